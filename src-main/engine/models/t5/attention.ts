/**
 * T5 attention: no 1/sqrt(d) scaling, an additive bias (relative position bias and/or masks), q/k/v/o
 * linear without bias. Projections are 2-D matMuls (`loraLinear`, so adapters apply); the two score
 * matMuls are batched without transpose flags (keys are kept transposed: (B, H, dKv, T)).
 */
import { tf } from '../../backend/index.ts'
import { batchMatMul } from '../../backend/ops.ts'
import { loraLinear } from '../lora/apply.ts'
import { dropout, weight, type T5RunContext } from './context.ts'

/** Keys transposed (B, H, dKv, T) and values (B, H, T, dKv): what a cache holds. */
export interface KeyValue {
  keyT: tf.Tensor4D
  value: tf.Tensor4D
}

function heads(ctx: T5RunContext, x: tf.Tensor3D): tf.Tensor4D {
  const [b, t] = x.shape
  return tf.reshape(x, [b, t, ctx.config.numHeads, ctx.config.dKv]) as tf.Tensor4D
}

/** Project a memory (B, T, d) to keys and values. */
export function projectKeyValue(ctx: T5RunContext, prefix: string, source: tf.Tensor3D): KeyValue {
  const k = heads(ctx, loraLinear(source, weight(ctx, `${prefix}.k.weight`), `${prefix}.k`, ctx.adapters))
  const v = heads(ctx, loraLinear(source, weight(ctx, `${prefix}.v.weight`), `${prefix}.v`, ctx.adapters))
  return { keyT: tf.transpose(k, [0, 2, 3, 1]), value: tf.transpose(v, [0, 2, 1, 3]) }
}

/** Append new keys/values (one decoding step) to a cache along time. */
export function appendKeyValue(past: KeyValue, next: KeyValue): KeyValue {
  return { keyT: tf.concat([past.keyT, next.keyT], 3), value: tf.concat([past.value, next.value], 2) }
}

/**
 * Attend from `hidden` (B, S, d) to keys/values; `bias` broadcasts to (B, H, S, T).
 * Returns the output projection (B, S, d).
 */
export function attend(ctx: T5RunContext, prefix: string, hidden: tf.Tensor3D, kv: KeyValue, bias: tf.Tensor): tf.Tensor3D {
  const [b, s] = hidden.shape
  const q = tf.transpose(heads(ctx, loraLinear(hidden, weight(ctx, `${prefix}.q.weight`), `${prefix}.q`, ctx.adapters)), [0, 2, 1, 3])
  const scores = tf.add(batchMatMul(q, kv.keyT), bias)
  const probs = dropout(ctx, tf.softmax(scores))
  const context = batchMatMul(probs, kv.value) // (B, H, S, dKv)
  const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [b, s, ctx.config.numHeads * ctx.config.dKv]) as tf.Tensor3D
  return loraLinear(merged, weight(ctx, `${prefix}.o.weight`), `${prefix}.o`, ctx.adapters)
}
