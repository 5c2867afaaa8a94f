/**
 * Job kind `matmul-benchmark`: square matMul throughput of the active compute backend, in GFLOP/s.
 * Follows the probe in environment.md §3a (2·n³ flops per n×n by n×n product, plain 2-D matMul without
 * transpose flags: the one form the wasm backend runs through XNNPACK). It is the first real job the
 * studio runs, and tells a user at a glance what their machine can train at.
 */
import { z } from 'zod'
import { activeBackend, tf } from '../../backend/index.ts'
import { defineJobKind } from '../job-kind.ts'

export const MatmulBenchmarkParams = z.strictObject({
  // 256/512/1024: small enough to finish in about a second on wasm, large enough to reach the plateau.
  sizes: z.array(z.number().int().min(16).max(4096)).min(1).max(8).default([256, 512, 1024]),
  // 10 timed products per size: the median of 10 is stable against a stray scheduler hiccup.
  repeats: z.number().int().min(1).max(200).default(10),
})

export interface MatmulRow {
  size: number
  repeats: number
  medianMs: number
  medianGflops: number
  bestGflops: number
}

export interface MatmulBenchmarkResult {
  backend: string
  label: string
  rows: MatmulRow[]
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const matmulBenchmark = defineJobKind({
  kind: 'matmul-benchmark',
  title: 'matMul throughput',
  description: 'Times square matrix products on the active compute backend and reports GFLOP/s per size.',
  params: MatmulBenchmarkParams,
  async run(params, ctx): Promise<MatmulBenchmarkResult> {
    const backend = activeBackend()
    const total = params.sizes.length * params.repeats
    ctx.log(`matMul on ${backend.label}: sizes ${params.sizes.join(', ')}, ${params.repeats} repeats each`)
    const rows: MatmulRow[] = []
    let step = 0
    for (const n of params.sizes) {
      const a = tf.randomNormal([n, n]) // (n, n)
      const b = tf.randomNormal([n, n]) // (n, n)
      try {
        // One untimed product first: the backend builds its kernel (XNNPACK operator) on first use.
        const warm = tf.matMul(a, b)
        await warm.data()
        warm.dispose()
        const times: number[] = []
        for (let r = 0; r < params.repeats; r++) {
          const t0 = performance.now()
          const c = tf.matMul(a, b) // (n, n)
          await c.data() // forces the computation on backends that run lazily (webgl, native)
          const ms = performance.now() - t0
          c.dispose()
          times.push(ms)
          const gflops = (2 * n * n * n) / (ms * 1e6)
          step++
          ctx.progress({ step, total, message: `${n}×${n}: ${gflops.toFixed(1)} GFLOP/s`, metrics: { size: n, gflops, ms } })
          await ctx.yieldAndCheck()
        }
        const medianMs = median(times)
        const row = { size: n, repeats: params.repeats, medianMs, medianGflops: (2 * n ** 3) / (medianMs * 1e6), bestGflops: (2 * n ** 3) / (Math.min(...times) * 1e6) }
        rows.push(row)
        ctx.log(`${n}×${n}: median ${medianMs.toFixed(2)} ms = ${row.medianGflops.toFixed(2)} GFLOP/s (best ${row.bestGflops.toFixed(2)})`)
      } finally {
        a.dispose()
        b.dispose()
      }
    }
    return { backend: backend.name, label: backend.label, rows }
  },
})
