/**
 * T5 relative position buckets and the bias they select (Hugging Face `_relative_position_bucket`).
 * Computed in layer 0 of each stack and shared by every layer. Bucket ids depend only on lengths, so
 * they are plain integers computed in JavaScript (no data read from tensors).
 */
import { tf } from '../../backend/index.ts'

/** Bucket of one relative position (memory position − query position). */
export function relativePositionBucket(relativePosition: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let buckets = 0
  let n = numBuckets
  let rel = relativePosition
  if (bidirectional) {
    n = Math.floor(n / 2)
    if (rel > 0) buckets += n
    rel = Math.abs(rel)
  } else {
    rel = -Math.min(rel, 0)
  }
  const maxExact = Math.floor(n / 2)
  if (rel < maxExact) return buckets + rel
  // Hugging Face computes this in float32 and truncates toward zero.
  const large = maxExact + Math.trunc(Math.fround(Math.fround(Math.log(Math.fround(rel / maxExact)) / Math.log(maxDistance / maxExact)) * (n - maxExact)))
  return buckets + Math.min(large, n - 1)
}

/** Bucket ids (queryLength × keyLength) for queries at offset `queryOffset` (decoding with a cache). */
export function bucketIds(queryLength: number, keyLength: number, bidirectional: boolean, numBuckets: number, maxDistance: number, queryOffset = 0): Int32Array {
  const ids = new Int32Array(queryLength * keyLength)
  for (let i = 0; i < queryLength; i++) {
    for (let j = 0; j < keyLength; j++) ids[i * keyLength + j] = relativePositionBucket(j - (i + queryOffset), bidirectional, numBuckets, maxDistance)
  }
  return ids
}

/** Position bias (1, heads, queryLength, keyLength) from the (buckets, heads) embedding. */
export function positionBias(
  table: tf.Tensor,
  queryLength: number,
  keyLength: number,
  bidirectional: boolean,
  maxDistance: number,
  queryOffset = 0,
): tf.Tensor4D {
  const [numBuckets, heads] = table.shape
  const ids = tf.tensor1d(bucketIds(queryLength, keyLength, bidirectional, numBuckets, maxDistance, queryOffset), 'int32')
  const values = tf.gather(table, ids) // (q·k, heads)
  return tf.reshape(tf.transpose(values), [1, heads, queryLength, keyLength]) as tf.Tensor4D
}

/** Additive mask (batch, 1, 1, keyLength): 0 where mask = 1, a large negative where mask = 0. */
export function paddingMaskBias(mask: tf.Tensor2D): tf.Tensor4D {
  const [b, k] = mask.shape
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -1e9), [b, 1, 1, k]) as tf.Tensor4D
}

/** Additive causal mask (1, 1, q, k) for queries at offset `queryOffset`. */
export function causalMaskBias(queryLength: number, keyLength: number, queryOffset = 0): tf.Tensor4D {
  const values = new Float32Array(queryLength * keyLength)
  for (let i = 0; i < queryLength; i++) for (let j = 0; j < keyLength; j++) if (j > i + queryOffset) values[i * keyLength + j] = -1e9
  return tf.tensor4d(values, [1, 1, queryLength, keyLength])
}
