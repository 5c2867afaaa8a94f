/** The active backend's own 2-D matMul throughput (the fast path every layer is built on). */
import { tf } from '../src-main/engine/backend/index.ts'
import { matMul2d } from '../src-main/engine/backend/ops.ts'
import { median, timeIt, type Benchmark } from './common.ts'

export async function matMulGflops(n = 512): Promise<number> {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D
  const b = tf.randomNormal([n, n]) as tf.Tensor2D
  const times = await timeIt(() => {
    const c = matMul2d(a, b)
    c.dataSync()
    c.dispose()
  })
  tf.dispose([a, b])
  return (2 * n ** 3) / (median(times) / 1000) / 1e9
}

export const matmul: Benchmark = {
  name: 'matmul-2d',
  async run() {
    return { name: 'matmul-2d', metrics: { n: 512, gflops: Number((await matMulGflops(512)).toFixed(2)) } }
  },
}
