/**
 * The active backend's own 2-D matMul throughput (the fast path every layer is built on), 512³ on one
 * thread. The rate the run passes to every ratio is the best of 30 products, not the median: on a shared
 * machine other processes only ever slow a product down, so the fastest one is the thread's own rate,
 * and a ratio against it can only understate what a step achieves, never overstate it.
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { matMul2d } from '../src-main/engine/backend/ops.ts'
import { median, round, timeIt, type Benchmark } from './common.ts'

export const MATMUL_SIZE = 512

/** GFLOP/s of an n³ 2-D matMul: the best and the median of `repeats` timed products. */
export async function matMulGflops(n = MATMUL_SIZE, repeats = 30): Promise<{ best: number; median: number }> {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D
  const b = tf.randomNormal([n, n]) as tf.Tensor2D
  const times = await timeIt(
    () => {
      const c = matMul2d(a, b)
      c.dataSync()
      c.dispose()
    },
    { warmup: 3, repeats },
  )
  tf.dispose([a, b])
  const rate = (ms: number) => (2 * n ** 3) / (ms / 1000) / 1e9
  return { best: rate(Math.min(...times)), median: rate(median(times)) }
}

export const matmul: Benchmark = {
  name: 'matmul-2d',
  async run() {
    const { best, median } = await matMulGflops()
    return {
      name: 'matmul-2d',
      metrics: { n: MATMUL_SIZE, gflops: round(best), medianGflops: round(median) },
      note: 'gflops = the best of 30 products (the rate every ratio of this run divides by); medianGflops shows how much the load slowed the rest',
    }
  },
}
