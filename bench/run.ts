/**
 * `npm run bench`: run every benchmark module, print a markdown table, write bench/results/latest.json.
 * Add a benchmark: write a module exporting a `Benchmark` and list it in BENCHMARKS.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { initBackend, tf } from '../src-main/engine/backend/index.ts'
import type { Benchmark, BenchResult } from './common.ts'
import { matmul } from './matmul.ts'
import { t5TrainStep } from './t5-train-step.ts'
import { t5TrainStepParallel } from './t5-train-step-parallel.ts'
import { loraPerExample } from './lora-per-example.ts'

const BENCHMARKS: Benchmark[] = [matmul, t5TrainStep, t5TrainStepParallel, loraPerExample]

const backend = await initBackend((process.env.TAGI_BACKEND as never) ?? 'auto')
const only = process.argv.slice(2)
const results: BenchResult[] = []
for (const bench of BENCHMARKS) {
  if (only.length > 0 && !only.includes(bench.name)) continue
  results.push(await bench.run())
}

// Timings are medians; the load average says how much else was running (a shared machine is noisy).
const load = loadavg().map((v) => Number(v.toFixed(2)))
const lines = [`# Benchmarks: ${backend.label}, tfjs ${tf.version_core}, load average ${load.join(' ')}`, '', '| benchmark | metric | value |', '|---|---|---|']
for (const r of results) {
  for (const [k, v] of Object.entries(r.metrics)) lines.push(`| ${r.name} | ${k} | ${v} |`)
}
for (const r of results) if (r.note) lines.push('', `${r.name}: ${r.note}`)
process.stdout.write(lines.join('\n') + '\n')

const dir = join(import.meta.dirname, 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(
  join(dir, 'latest.json'),
  JSON.stringify({ date: new Date().toISOString(), backend: { name: backend.name, label: backend.label, threads: backend.threads }, loadAverage: load, tfjs: tf.version_core, results }, null, 2) + '\n',
)
