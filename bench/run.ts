/**
 * `npm run bench [-- NAME… ] [-- --note TEXT]`: run the benchmark modules, print the markdown report and
 * write bench/results/latest.json and latest.md.
 *
 * Every benchmark runs alone in a child process (this same file, with TAGI_BENCH_CHILD set), so its peak
 * RSS is its own (wasm memory never shrinks, so one process for all would report the largest peak for
 * every later one) and a crash in one cannot take the others with it. matmul-2d always runs first: its
 * rate reaches every later benchmark in the context, so every ratio of a run divides by the same number.
 * Add a benchmark: write a module exporting a `Benchmark` and list it in BENCHMARKS.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { initBackend, tf } from '../src-main/engine/backend/index.ts'
import { adapterGenerationBenchmark } from './adapter-generation.ts'
import { maxRssMiB, round, type BenchContext, type Benchmark, type BenchResult } from './common.ts'
import { inferenceCostBenchmark } from './inference-cost.ts'
import { loraPerExample } from './lora-per-example.ts'
import { matmul } from './matmul.ts'
import { markdownReport, type RunInfo } from './report.ts'
import { STAGE_STEP_BENCHMARKS } from './stage-steps.ts'
import { t5TrainStep } from './t5-train-step.ts'
import { t5TrainStepParallel } from './t5-train-step-parallel.ts'
import { evaluateTargets } from './targets.ts'

const BENCHMARKS: Benchmark[] = [
  matmul,
  t5TrainStep,
  t5TrainStepParallel,
  loraPerExample,
  ...STAGE_STEP_BENCHMARKS,
  adapterGenerationBenchmark('tiny'),
  adapterGenerationBenchmark('small'),
  inferenceCostBenchmark('tiny'),
  inferenceCostBenchmark('small'),
]

const CHILD = 'TAGI_BENCH_CHILD'
const CHILD_CONTEXT = 'TAGI_BENCH_CONTEXT'
const CHILD_RESULT = 'TAGI_BENCH_RESULT'
/** Lines of a failed child's output kept in the report (its wasm glue can print megabytes). */
const FAILURE_CHARS = 1200

const backend = await initBackend((process.env.TAGI_BACKEND as never) ?? 'auto')

if (process.env[CHILD]) {
  const bench = BENCHMARKS.find((b) => b.name === process.env[CHILD])
  if (!bench) throw new Error(`no benchmark named '${process.env[CHILD]}'`)
  const result = await bench.run(JSON.parse(process.env[CHILD_CONTEXT]!) as BenchContext)
  result.memory = { maxRssMiB: maxRssMiB(), tfPeakMiB: result.tfPeakMiB ?? null }
  writeFileSync(process.env[CHILD_RESULT]!, JSON.stringify(result))
  process.exit(0)
}

function parseArgs(argv: string[]): { only: string[]; note: string | null } {
  const only: string[] = []
  let note: string | null = null
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--note') note = argv[++i] ?? null
    else only.push(argv[i]!)
  }
  const unknown = only.filter((name) => !BENCHMARKS.some((b) => b.name === name))
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
  return { only, note }
}

/** Run one benchmark in a child process; its result, or the tail of what it printed when it failed. */
function runChild(bench: Benchmark, ctx: BenchContext, scratch: string): BenchResult | { error: string } {
  const resultFile = join(scratch, `${bench.name.replace(/\W+/g, '_')}.json`)
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD]: bench.name, [CHILD_CONTEXT]: JSON.stringify(ctx), [CHILD_RESULT]: resultFile },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  if (child.status === 0) return JSON.parse(readFileSync(resultFile, 'utf8')) as BenchResult
  const output = `${child.stdout ?? ''}${child.stderr ?? ''}`.split('\n').map((line) => line.slice(0, 300))
  const errorLine = output.find((line) => /^\w*Error\b|Error:/.test(line))
  return { error: `exit ${child.status ?? child.signal}: ${errorLine ?? ''} … ${output.join('\n').slice(-FAILURE_CHARS)}` }
}

const { only, note } = parseArgs(process.argv.slice(2))
const started = performance.now()
const loadStart = loadavg().map((v) => round(v))
const ctx: BenchContext = { matMulGflops: null, threads: backend.threads }
const scratch = mkdtempSync(join(tmpdir(), 'tagi-bench-results-'))
const results: BenchResult[] = []
const failures: RunInfo['failures'] = []
for (const bench of BENCHMARKS) {
  if (only.length > 0 && bench !== matmul && !only.includes(bench.name)) continue
  const t0 = performance.now()
  const outcome = runChild(bench, ctx, scratch)
  const seconds = ((performance.now() - t0) / 1000).toFixed(1)
  if ('error' in outcome) {
    failures.push({ name: bench.name, error: outcome.error.replace(/\s+/g, ' ') })
    process.stderr.write(`[bench] ${bench.name} FAILED after ${seconds} s\n${outcome.error}\n`)
    continue
  }
  results.push(outcome)
  if (bench === matmul) ctx.matMulGflops = outcome.metrics.gflops as number
  process.stderr.write(`[bench] ${bench.name} ${seconds} s (load ${loadavg()[0]!.toFixed(2)})\n`)
}
rmSync(scratch, { recursive: true, force: true })

const info: RunInfo = {
  date: new Date().toISOString(),
  backend: backend.label,
  tfjs: tf.version_core,
  threads: backend.threads,
  cpus: availableParallelism(),
  loadAverage: { start: loadStart, end: loadavg().map((v) => round(v)) },
  totalSeconds: Math.round((performance.now() - started) / 1000),
  note,
  failures,
}
const targets = evaluateTargets(results)
const markdown = markdownReport(info, results, targets)
process.stdout.write(markdown)
const dir = join(import.meta.dirname, 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(join(dir, 'latest.md'), markdown)
writeFileSync(join(dir, 'latest.json'), JSON.stringify({ ...info, backendInfo: { name: backend.name, label: backend.label, threads: backend.threads }, targets, results }, null, 2) + '\n')
if (failures.length) process.exitCode = 1
