/**
 * The markdown report of a bench run: the targets first, then one table per kind of benchmark (training
 * steps, adapter generation, inference), then every other benchmark's metrics, then the notes.
 */
import type { BenchResult } from './common.ts'
import type { TargetResult } from './targets.ts'

export interface RunInfo {
  date: string
  backend: string
  tfjs: string
  threads: number
  cpus: number
  loadAverage: { start: number[]; end: number[] }
  totalSeconds: number
  /** Free text given with --note (e.g. what else was running). */
  note: string | null
  failures: { name: string; error: string }[]
}

const row = (cells: (string | number | null | undefined)[]) => `| ${cells.map((c) => (c === null || c === undefined ? '–' : String(c))).join(' | ')} |`
const header = (cells: string[]) => [row(cells), row(cells.map(() => '---'))]

function memoryCells(r: BenchResult): (number | null)[] {
  return [r.memory?.maxRssMiB ?? null, r.memory?.tfPeakMiB ?? null]
}

export function markdownReport(info: RunInfo, results: BenchResult[], targets: TargetResult[]): string {
  const lines: string[] = [
    `# TAGI Studio benchmarks`,
    '',
    `${info.date} · ${info.backend} · tfjs ${info.tfjs} · ${info.cpus} CPUs · load average ${info.loadAverage.start.join(' ')} at start, ${info.loadAverage.end.join(' ')} at the end · ${info.totalSeconds} s in all`,
  ]
  const busiest = Math.max(info.loadAverage.start[0]!, info.loadAverage.end[0]!)
  if (busiest > 1.5) {
    lines.push('', `The 1-minute load average reached ${busiest} on ${info.cpus} CPUs while the benchmark itself keeps one busy: other processes shared the cores, so these timings are pessimistic.`)
  }
  if (info.note) lines.push('', `Note: ${info.note}`)

  lines.push('', '## Targets', '', ...header(['target', 'measured', 'threshold', 'status', 'gap', 'why']))
  for (const t of targets) lines.push(row([t.target, t.measured, `${t.comparison} ${t.threshold}`, t.status, t.gap, t.reason]))

  const steps = results.filter((r) => r.name.startsWith('train-step/'))
  if (steps.length) {
    lines.push('', '## Training steps', '', 'GFLOP from the padded shapes, ×3 under the gradient tape (bench/flops.ts); ratio = GFLOP/s ÷ (the matmul-2d rate × threads); the time split is from one profiled step (matMul kernels / other kernels / JavaScript outside kernels); tf peak = tf.memory() bytes at the peak of that step, as tfjs counts them (per tensor, so reshaped views count again and it can exceed the RSS).', '')
    lines.push(...header(['preset', 'stage', 'batch', 'median ms', 'tokens/s', 'GFLOP/step', 'GFLOP/s', 'ratio', 'threads', 'time split %', 'peak RSS MiB', 'tf peak MiB']))
    for (const r of steps) {
      const [, preset, stage] = r.name.split('/')
      const m = r.metrics
      lines.push(row([preset, stage, m.batch, m.medianStepMs, m.tokensPerSecond, m.gflopPerStep, m.achievedGflops, m.ratioToMatMul, m.threads, `${m.matMulKernelPct} / ${m.otherKernelPct} / ${m.outsideKernelsPct}`, ...memoryCells(r)]))
    }
  }

  for (const r of results.filter((x) => x.name.startsWith('adapter-generation/'))) {
    const m = r.metrics
    lines.push('', `## Adapter generation (${r.name.split('/')[1]})`, '', ...header(['with encoding ms', 'without encoding ms', 'encoding only ms', 'instruction tokens', 'modules', 'rank', 'peak RSS MiB', 'tf peak MiB']))
    lines.push(row([m.withEncodingMs, m.withoutEncodingMs, m.encodingOnlyMs, m.instructionTokens, m.modules, m.rank, ...memoryCells(r)]))
  }

  for (const r of results.filter((x) => x.name.startsWith('inference/'))) {
    const m = r.metrics
    lines.push('', `## Per-task inference (${r.name.split('/')[1]})`, '', ...header(['method', 'wall ms', 'wall ratio', 'encoder tokens/instance', 'cross-attention memory/instance', 'generated/instance', 'GFLOP (est.)', 'FLOP ratio']))
    for (const method of ['baseline', 'tagi', 'tagiNoFusion']) {
      const k = (key: string) => m[`${method}.${key}`]
      lines.push(row([method, k('wallMs'), k('wallRatio') ?? 1, k('encoderTokensPerInstance'), k('crossMemoryPerInstance'), k('generatedTokensPerInstance'), k('gflop'), k('flopRatio') ?? 1]))
    }
    lines.push('', `Instruction: ${m.instructionTokens} tokens, generated once per task. Peak RSS ${r.memory?.maxRssMiB ?? '–'} MiB, tf peak ${r.memory?.tfPeakMiB ?? '–'} MiB.`)
  }

  const others = results.filter((r) => !/^(train-step|adapter-generation|inference)\//.test(r.name))
  if (others.length) {
    lines.push('', '## Other benchmarks', '', ...header(['benchmark', 'metric', 'value']))
    for (const r of others) {
      for (const [k, v] of Object.entries(r.metrics)) lines.push(row([r.name, k, v]))
      lines.push(row([r.name, 'peak RSS MiB', r.memory?.maxRssMiB]))
    }
  }

  const notes = results.filter((r) => r.note)
  if (notes.length || info.failures.length) {
    lines.push('', '## Notes', '')
    for (const r of notes) lines.push(`- ${r.name}: ${r.note}`)
    for (const f of info.failures) lines.push(`- FAILED ${f.name}: ${f.error}`)
  }
  return lines.join('\n') + '\n'
}
