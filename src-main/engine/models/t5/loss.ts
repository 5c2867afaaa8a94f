/** Label cross-entropy: mean over positions whose label is not -100 (Hugging Face semantics). */
import { tf } from '../../backend/index.ts'

export const IGNORE_INDEX = -100

/**
 * logits (…, V) and labels (…) → scalar mean CE over labels ≠ -100 (0 when there are none).
 * Optional `weights` (…) scale each position (e.g. per-example weights); the mean stays over valid labels.
 */
export function labelCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const v = logits.shape[logits.rank - 1]
    const flat = tf.reshape(logits, [-1, v]) as tf.Tensor2D
    const lab = tf.reshape(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32'), [-1]) as tf.Tensor1D
    const valid = tf.cast(tf.notEqual(lab, IGNORE_INDEX), 'float32')
    const safe = tf.maximum(lab, tf.scalar(0, 'int32')) as tf.Tensor1D
    const logp = tf.logSoftmax(flat)
    const picked = tf.sum(tf.mul(logp, tf.cast(tf.oneHot(safe, v), 'float32')), 1)
    let w: tf.Tensor = valid
    if (weights) w = tf.mul(valid, tf.reshape(weights, [-1]))
    const count = tf.maximum(tf.sum(valid), 1)
    return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), count) as tf.Scalar
  })
}
