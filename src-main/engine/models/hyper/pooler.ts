/**
 * Instruction pooling and the task-code head (tagi-method.md §2.3; code: ni_collator.py + `MyPooler`).
 *
 *   p = mean over positions of (H_1 + H_L)        H_1: after encoder block 1, H_L: final (after the final RMSNorm)
 *   z = tanh(p·W + b)                              W: (d_model, encodingDim)
 *
 * The code's `first_last_avg` averages over every position, padding included, so an instruction's code
 * changed with the batch it was padded in; the default here averages over real tokens only
 * (decisions.md §1 point 9).
 */
import { tf } from '../../backend/index.ts'
import { matMul2d } from '../../backend/ops.ts'

/**
 * @param first (U, S, d) hidden states after encoder block 1
 * @param last  (U, S, d) final encoder states
 * @param mask  (U, S) 1 for real tokens
 * @returns (U, d) pooled instruction vectors
 */
export function poolFirstLast(first: tf.Tensor, last: tf.Tensor, mask: tf.Tensor, masked = true): tf.Tensor2D {
  if (first.shape.join() !== last.shape.join()) throw new Error(`poolFirstLast: first [${first.shape}] and last [${last.shape}] states differ in shape`)
  if (mask.shape.join() !== first.shape.slice(0, 2).join()) throw new Error(`poolFirstLast: mask [${mask.shape}] must be [${first.shape.slice(0, 2)}]`)
  return tf.tidy(() => {
    const summed = tf.add(first, last) // (U, S, d)
    if (!masked) return tf.mean(summed, 1) as tf.Tensor2D
    const weights = tf.expandDims(tf.cast(mask, 'float32'), 2) // (U, S, 1)
    const count = tf.maximum(tf.sum(weights, 1), 1) // (U, 1)
    return tf.div(tf.sum(tf.mul(summed, weights), 1), count) as tf.Tensor2D
  })
}

/** z = tanh(p·W + b): (U, d) → (U, encodingDim). */
export function taskCode(pooled: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.tanh(tf.add(matMul2d(pooled, weight as tf.Tensor2D), bias)) as tf.Tensor2D)
}
