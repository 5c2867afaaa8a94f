/**
 * T5 decoder stack: embed → [self-attention (causal, relative bias from layer 0); cross-attention to the
 * memory (no relative bias, padding mask); FFN] × L → RMSNorm → logits. The same code runs a whole
 * sequence (training, scoring) or one step with a key/value cache (greedy decoding).
 */
import { tf } from '../../backend/index.ts'
import { linear } from '../../backend/ops.ts'
import { appendKeyValue, attend, projectKeyValue, type KeyValue } from './attention.ts'
import { dropout, weight, type T5RunContext } from './context.ts'
import { embed } from './encoder.ts'
import { feedForward } from './feed-forward.ts'
import { causalMaskBias, paddingMaskBias, positionBias } from './relative-position.ts'
import { rmsNorm } from './rms-norm.ts'
import { attentionPrefix, ffnPrefix } from './weights.ts'

export interface DecoderState {
  /** Per layer: self-attention keys/values of every position so far. */
  self: KeyValue[]
  /** Per layer: cross-attention keys/values of the memory (computed once). */
  cross: KeyValue[]
  /** Positions already decoded. */
  length: number
}

/** Cross-attention keys/values of every decoder layer for a memory (B, M, d). */
export function crossKeyValues(ctx: T5RunContext, memory: tf.Tensor3D): KeyValue[] {
  const out: KeyValue[] = []
  for (let l = 0; l < ctx.config.numDecoderLayers; l++) out.push(projectKeyValue(ctx, attentionPrefix('decoder', l, true), memory))
  return out
}

/**
 * Run the decoder over `ids` (B, T). Without `state`, positions start at 0 and the whole sequence is
 * causal; with it, `ids` continue the cached sequence. Returns the hidden states after the final norm
 * and the self-attention keys/values including these positions.
 */
export function runDecoder(
  ctx: T5RunContext,
  ids: tf.Tensor2D,
  memoryMask: tf.Tensor2D,
  cross: KeyValue[],
  past?: KeyValue[],
  offset = 0,
): { hidden: tf.Tensor3D; self: KeyValue[] } {
  const { config } = ctx
  const t = ids.shape[1]
  const total = offset + t
  let x = dropout(ctx, embed(ctx, ids))
  const table = weight(ctx, `${attentionPrefix('decoder', 0, false)}.relative_attention_bias.weight`)
  const selfBias = tf.add(
    positionBias(table, t, total, false, config.relativeAttentionMaxDistance, offset),
    causalMaskBias(t, total, offset),
  )
  const crossBias = paddingMaskBias(memoryMask)
  const self: KeyValue[] = []
  for (let l = 0; l < config.numDecoderLayers; l++) {
    const selfPrefix = attentionPrefix('decoder', l, false)
    const n0 = rmsNorm(x, weight(ctx, `decoder.block.${l}.layer.0.layer_norm.weight`), config.layerNormEpsilon)
    const fresh = projectKeyValue(ctx, selfPrefix, n0)
    const kv = past ? appendKeyValue(past[l], fresh) : fresh
    self.push(kv)
    x = tf.add(x, dropout(ctx, attend(ctx, selfPrefix, n0, kv, selfBias)))
    const n1 = rmsNorm(x, weight(ctx, `decoder.block.${l}.layer.1.layer_norm.weight`), config.layerNormEpsilon)
    x = tf.add(x, dropout(ctx, attend(ctx, attentionPrefix('decoder', l, true), n1, cross[l], crossBias)))
    const n2 = rmsNorm(x, weight(ctx, `decoder.block.${l}.layer.2.layer_norm.weight`), config.layerNormEpsilon)
    x = tf.add(x, dropout(ctx, feedForward(ctx, ffnPrefix('decoder', l), n2)))
  }
  const hidden = dropout(ctx, rmsNorm(x, weight(ctx, 'decoder.final_layer_norm.weight'), config.layerNormEpsilon))
  return { hidden, self }
}

/** Decoder hidden states (B, T, d) → logits (B, T, vocab). */
export function lmLogits(ctx: T5RunContext, hidden: tf.Tensor3D): tf.Tensor3D {
  if (ctx.config.tieWordEmbeddings) {
    // v1.0: rescale before the (tied) shared embedding.
    const scaled = tf.mul(hidden, ctx.config.dModel ** -0.5) as tf.Tensor3D
    return linear(scaled, tf.transpose(weight(ctx, 'shared.weight')))
  }
  return linear(hidden, weight(ctx, 'lm_head.weight'))
}
