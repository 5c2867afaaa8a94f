/** Shared bench helpers: timing and the result shape every benchmark module returns. */
export interface BenchResult {
  name: string
  /** Flat metrics, e.g. { medianStepMs, tokensPerSecond, gflops }. */
  metrics: Record<string, number | string>
  /** One-line note shown under the table. */
  note?: string
}

export interface Benchmark {
  name: string
  run(): Promise<BenchResult>
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
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
