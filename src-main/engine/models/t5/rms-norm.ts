/** T5 layer norm: RMS only (no mean subtraction, no bias), x · rsqrt(mean(x²) + eps) · w. */
import { tf } from '../../backend/index.ts'

export function rmsNorm<T extends tf.Tensor>(x: T, w: tf.Tensor, eps: number): T {
  const variance = tf.mean(tf.mul(x, x), -1, true)
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), w) as T
}
