/**
 * Label cross-entropy: TAGI's L_pred / L_ce (paper Eq. 4, and the pretraining loss of Eq. 3).
 *
 * Follows the Hugging Face T5 loss: the mean over real (non-padding) target tokens of −log p(y_t).
 * The label log-probability is picked with a one-hot product rather than `tf.gather`, because the
 * one-hot path needs no scatter kernel in its gradient and the labels are constants anyway.
 */
import { tf } from '../backend/index.ts'

/**
 * @param logits (B, T, V) decoder logits
 * @param labels (B, T) int32 target ids
 * @param mask   (B, T) 1 for a real target token, 0 for padding
 * @returns scalar mean negative log-likelihood over the real tokens (0 when there are none)
 */
export function labelCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  if (logits.rank !== 3) throw new Error(`labelCrossEntropy: logits must be (B, T, V), got shape [${logits.shape}]`)
  const [batch, steps, vocab] = logits.shape
  if (labels.shape.join() !== `${batch},${steps}` || mask.shape.join() !== `${batch},${steps}`) {
    throw new Error(`labelCrossEntropy: labels [${labels.shape}] and mask [${mask.shape}] must both be [${batch},${steps}]`)
  }
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(tf.reshape(logits, [batch * steps, vocab])) // (B·T, V)
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.reshape(tf.cast(labels, 'int32'), [-1]), vocab)), -1) // (B·T)
    const weights = tf.reshape(tf.cast(mask, 'float32'), [-1]) // (B·T)
    const tokens = tf.maximum(tf.sum(weights), 1)
    return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tokens) as tf.Scalar
  })
}
