/**
 * Shared bench helpers: the result shape every benchmark module returns, the context the runner hands
 * each one (the matMul rate measured once per run, so every ratio in a report divides by the same
 * number), timing, and peak memory.
 */
/** What the runner passes to every benchmark. */
export interface BenchContext {
  /** The 2-D matMul rate (GFLOP/s, one thread) that the matmul-2d benchmark measured in this run; null before it. */
  matMulGflops: number | null
  /** Compute threads of the backend for one op (the wasm backend in Node: 1). */
  threads: number
}

/** Peak memory of one benchmark, measured in the process that ran it alone. */
export interface MemoryPeak {
  /** Resident-set high-water mark of the process (process.resourceUsage().maxRSS), MiB. */
  maxRssMiB: number
  /**
   * The highest tf.memory().numBytes seen while a call was profiled (tf.profile peakBytes), MiB; null when
   * nothing was profiled. tfjs counts bytes per tensor, so views of one buffer (reshapes) count again and
   * this can exceed the RSS: it measures what the graph keeps alive, not the buffers allocated.
   */
  tfPeakMiB: number | null
}

export interface BenchResult {
  name: string
  /** Flat metrics, e.g. { medianStepMs, tokensPerSecond, achievedGflops }: one table row each. */
  metrics: Record<string, number | string>
  /** One-line note shown under the table. */
  note?: string
  /** Structured data kept in the JSON report only (per-step shapes, kernel breakdowns). */
  details?: Record<string, unknown>
  /** tf.profile's peakBytes of a profiled call, MiB (benchmarks that profile one). */
  tfPeakMiB?: number
  /** Filled by the runner. */
  memory?: MemoryPeak
}

export interface Benchmark {
  name: string
  run(ctx: BenchContext): Promise<BenchResult>
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

export async function timeIt(fn: () => void | Promise<void>, { warmup = 2, repeats = 7 } = {}): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn()
  const out: number[] = []
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    await fn()
    out.push(performance.now() - t0)
  }
  return out
}

/**
 * Time several functions round-robin (a, b, c, a, b, c, …), so that a change in the machine's load during
 * the measurement hits all of them alike and their medians stay comparable.
 */
export async function timeInterleaved(fns: (() => void | Promise<void>)[], { warmup = 2, repeats = 7 } = {}): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn()
  const out = fns.map(() => [] as number[])
  for (let i = 0; i < repeats; i++) {
    for (const [j, fn] of fns.entries()) {
      const t0 = performance.now()
      await fn()
      out[j]!.push(performance.now() - t0)
    }
  }
  return out
}

/** Round for the table: `digits` decimals. */
export function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits))
}

export const MiB = 1024 * 1024

/** The running process's RSS high-water mark in MiB (Linux reports maxRSS in KiB). */
export function maxRssMiB(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1)
}

/** The matMul rate a ratio needs; a benchmark run alone (without matmul-2d before it) cannot give one. */
export function requireMatMulRate(ctx: BenchContext, who: string): number {
  if (ctx.matMulGflops === null) throw new Error(`${who}: no matMul rate in this run; run it together with matmul-2d (npm run bench -- matmul-2d ${who})`)
  return ctx.matMulGflops
}
