/**
 * T5 attention: no 1/sqrt(d) scaling, an additive bias (relative position bias and/or masks), q/k/v/o
 * linear without bias. Projections are 2-D matMuls (`loraLinear`, so adapters apply). Heads are never
 * transposed: q/k/v stay in their projection layout (B, T, H, Dk) and the two score matMuls read them
 * through strides (backend/attention-ops.ts), writing the context already merged as (B, S, H·Dk).
 */
import { tf } from '../../backend/index.ts'
import { attentionContext, attentionScores } from '../../backend/attention-ops.ts'
import { loraLinear } from '../lora/apply.ts'
import { dropout, weight, type T5RunContext } from './context.ts'

/** Keys and values (B, T, H, Dk), in projection layout: what a cache holds. */
export interface KeyValue {
  key: tf.Tensor4D
  value: tf.Tensor4D
}

function heads(ctx: T5RunContext, x: tf.Tensor3D): tf.Tensor4D {
  const [b, t] = x.shape
  return tf.reshape(x, [b, t, ctx.config.numHeads, ctx.config.dKv]) as tf.Tensor4D
}

/** Project a memory (B, T, d) to keys and values. */
export function projectKeyValue(ctx: T5RunContext, prefix: string, source: tf.Tensor3D): KeyValue {
  return {
    key: heads(ctx, loraLinear(source, weight(ctx, `${prefix}.k.weight`), `${prefix}.k`, ctx.adapters, ctx.training)),
    value: heads(ctx, loraLinear(source, weight(ctx, `${prefix}.v.weight`), `${prefix}.v`, ctx.adapters, ctx.training)),
  }
}

/** Append new keys/values (one decoding step) to a cache along time. */
export function appendKeyValue(past: KeyValue, next: KeyValue): KeyValue {
  return { key: tf.concat([past.key, next.key], 1), value: tf.concat([past.value, next.value], 1) }
}

/**
 * Attend from `hidden` (B, S, d) to keys/values; `bias` broadcasts to (B, H, S, T).
 * Returns the output projection (B, S, d).
 */
export function attend(ctx: T5RunContext, prefix: string, hidden: tf.Tensor3D, kv: KeyValue, bias: tf.Tensor): tf.Tensor3D {
  const [b, s] = hidden.shape
  const q = heads(ctx, loraLinear(hidden, weight(ctx, `${prefix}.q.weight`), `${prefix}.q`, ctx.adapters, ctx.training)) // (B, S, H, Dk)
  const scores = tf.add(attentionScores(q, kv.key), bias) // (B, H, S, T)
  const probs = dropout(ctx, tf.softmax(scores))
  const context = attentionContext(probs as tf.Tensor4D, kv.value) // (B, S, H, Dk)
  const merged = tf.reshape(context, [b, s, ctx.config.numHeads * ctx.config.dKv]) as tf.Tensor3D
  return loraLinear(merged, weight(ctx, `${prefix}.o.weight`), `${prefix}.o`, ctx.adapters, ctx.training)
}
