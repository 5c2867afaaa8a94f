/**
 * Label cross-entropy: mean over positions whose label is not -100 (Hugging Face semantics).
 *
 * Written with its own gradient, softmax(logits) − onehot(label), from the probabilities saved in the
 * forward pass: tfjs's logSoftmax → oneHot·mul → sum chain runs exp twice over the whole (N, vocab)
 * logits and three more full passes, which was most of the loss's cost at vocabulary sizes in the thousands.
 */
import { tf } from '../../backend/index.ts'

export const IGNORE_INDEX = -100

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]

/** Σ_n rowWeight[n] · (logsumexp(x[n]) − x[n, label[n]]) for x (N, V); gradients for x and rowWeight. */
function weightedNll(flat: tf.Tensor2D, labels: tf.Tensor1D, rowWeight: tf.Tensor1D): tf.Scalar {
  const [n, v] = flat.shape
  const impl = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor1D, save: tf.GradSaveFunc) => {
    // softmax runs on XNNPACK's vectorised exp; tfjs-wasm's Exp kernel is scalar libm, ~7× slower.
    // logsumexp = max(x) − log(max(p)): the largest probability is ≥ 1/V, so its log never underflows.
    const probs = tf.softmax(x) // (N, V)
    const logSumExp = tf.sub(tf.max(x, 1), tf.log(tf.max(probs, 1))) // (N,)
    const rowStart = tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32'))
    const picked = tf.gather(tf.reshape(x, [n * v]), tf.add(rowStart, labels)) // (N,) logit of each label
    const nll = tf.sub(logSumExp, picked)
    save([probs, w, nll, labels]) // labels too: the caller's tidy disposes its own copy before the backward pass
    return {
      value: tf.sum(tf.mul(nll, w)),
      gradFunc: ((dy: tf.Tensor, [p, sw, snll, slabels]: tf.Tensor[]) => {
        const scale = tf.reshape(tf.mul(sw, dy), [n, 1])
        // The cast is needed: tfjs-wasm's OneHot writes int32 data whatever dtype is asked for.
        return [tf.mul(tf.sub(p, tf.cast(tf.oneHot(slabels as tf.Tensor1D, v), 'float32')), scale), tf.mul(snll, dy)]
      }) as GradFn,
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
  return impl(flat, rowWeight) as tf.Scalar
}

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
    let w: tf.Tensor = valid
    if (weights) w = tf.mul(valid, tf.reshape(weights, [-1]))
    const count = tf.maximum(tf.sum(valid), 1)
    return weightedNll(flat, safe, tf.div(w, count) as tf.Tensor1D)
  })
}
