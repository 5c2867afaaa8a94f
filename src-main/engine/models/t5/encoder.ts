/**
 * T5 encoder stack: embed → [RMSNorm → self-attention → residual; (instruction fusion;) RMSNorm → FFN → residual] × L
 * → RMSNorm. The fusion sublayer exists only when a memory with encoder fusion blocks is given (encoder-fusion.ts).
 */
import { tf } from '../../backend/index.ts'
import { attend, projectKeyValue } from './attention.ts'
import { dropout, weight, type T5RunContext } from './context.ts'
import { fuseInstruction, type EncoderFusionMemory } from './encoder-fusion.ts'
import { feedForward } from './feed-forward.ts'
import { paddingMaskBias, positionBias } from './relative-position.ts'
import { rmsNorm } from './rms-norm.ts'
import { attentionPrefix, ffnPrefix } from './weights.ts'

export function asInt32<T extends tf.Tensor>(ids: T): T {
  return ids.dtype === 'int32' ? ids : (tf.cast(ids, 'int32') as T)
}

/** Token embeddings (B, S, d) from the shared table. */
export function embed(ctx: T5RunContext, ids: tf.Tensor2D): tf.Tensor3D {
  return tf.gather(weight(ctx, 'shared.weight'), asInt32(ids)) as tf.Tensor3D
}

/**
 * (B, S) ids and mask → (B, S, d) after the final layer norm (and its dropout in training).
 * `blockOutputs`, when given, receives each block's output (Hugging Face `hidden_states[1..L]`, before the
 * final norm): the hypernetwork pools the first block's and the last states (tagi-method.md §2.3).
 * `fusion`, when given, adds the paper's cross-attention to the instruction after each self-attention (Eq. 1).
 */
export function runEncoder(
  ctx: T5RunContext,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  { blockOutputs, fusion }: { blockOutputs?: tf.Tensor3D[]; fusion?: EncoderFusionMemory } = {},
): tf.Tensor3D {
  const { config } = ctx
  const s = inputIds.shape[1]
  let x = dropout(ctx, embed(ctx, inputIds))
  // Layer 0's relative position bias, with the padding mask folded in, is shared by every layer.
  const bias = tf.add(
    positionBias(weight(ctx, `${attentionPrefix('encoder', 0, false)}.relative_attention_bias.weight`), s, s, true, config.relativeAttentionMaxDistance),
    paddingMaskBias(attentionMask),
  )
  for (let l = 0; l < config.numLayers; l++) {
    const prefix = attentionPrefix('encoder', l, false)
    const normed = rmsNorm(x, weight(ctx, `encoder.block.${l}.layer.0.layer_norm.weight`), config.layerNormEpsilon)
    x = tf.add(x, dropout(ctx, attend(ctx, prefix, normed, projectKeyValue(ctx, prefix, normed), bias)))
    if (fusion) x = fuseInstruction(ctx, fusion, l, x)
    const normed2 = rmsNorm(x, weight(ctx, `encoder.block.${l}.layer.1.layer_norm.weight`), config.layerNormEpsilon)
    x = tf.add(x, dropout(ctx, feedForward(ctx, ffnPrefix('encoder', l), normed2)))
    blockOutputs?.push(x)
  }
  return dropout(ctx, rmsNorm(x, weight(ctx, 'encoder.final_layer_norm.weight'), config.layerNormEpsilon))
}
