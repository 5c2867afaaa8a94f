/**
 * The paper's instruction fusion inside the encoder (TAGI Eq. 1; tagi-method.md §2.5, "paper version"):
 * after layer l's self-attention sublayer, S_l ← S_l + CrossAttn_l(RMSNorm(S_l), I), a T5-style pre-norm
 * sublayer (no relative bias, no scaling, padding mask) attending to the instruction states I. These blocks
 * are not backbone weights: the hypernetwork owns and trains them (decisions.md §1 point 1), and starts
 * them with o = 0 so the fused encoder is exactly the backbone's until training moves o.
 *
 * Weights use the model's internal layout: linear (in, out), keys `encoder_fusion.block.{l}.{q,k,v,o}.weight`
 * and `encoder_fusion.block.{l}.layer_norm.weight`.
 */
import { tf } from '../../backend/index.ts'
import { attend, projectKeyValue, type KeyValue } from './attention.ts'
import { dropout, weight, type T5RunContext } from './context.ts'
import { repeatRows } from './repeat-rows.ts'
import { paddingMaskBias } from './relative-position.ts'
import { rmsNorm } from './rms-norm.ts'

/** The fusion blocks by key (owned by whoever trains them; a run never disposes them). */
export type EncoderFusionWeights = ReadonlyMap<string, tf.Tensor>

/** The blocks with the instruction already projected: per encoder layer, keys/values (N, M, H, Dk); mask (N, M). */
export interface EncoderFusionMemory {
  weights: EncoderFusionWeights
  keyValues: KeyValue[]
  mask: tf.Tensor2D
}

export function encoderFusionPrefix(layer: number): string {
  return `encoder_fusion.block.${layer}`
}

/** Every fusion weight's internal shape, for a model of width `dModel`, attention width `innerDim` and `layers` encoder layers. */
export function encoderFusionShapes(dModel: number, innerDim: number, layers: number): Map<string, number[]> {
  const shapes = new Map<string, number[]>()
  for (let l = 0; l < layers; l++) {
    const prefix = encoderFusionPrefix(l)
    shapes.set(`${prefix}.layer_norm.weight`, [dModel])
    for (const p of ['q', 'k', 'v']) shapes.set(`${prefix}.${p}.weight`, [dModel, innerDim])
    shapes.set(`${prefix}.o.weight`, [innerDim, dModel])
  }
  return shapes
}

/** A context that reads the fusion weights (and applies no backbone adapter to them). */
function fusionContext(ctx: T5RunContext, weights: EncoderFusionWeights): T5RunContext {
  return { config: ctx.config, weights: weights as Map<string, tf.Tensor>, training: ctx.training }
}

/** Project instruction states (N, M, d) to every fusion layer's keys/values; `mask` (N, M) is kept as float. */
export function projectEncoderFusion(ctx: T5RunContext, weights: EncoderFusionWeights, states: tf.Tensor3D, mask: tf.Tensor2D): EncoderFusionMemory {
  const fctx = fusionContext(ctx, weights)
  const keyValues: KeyValue[] = []
  for (let l = 0; l < ctx.config.numLayers; l++) keyValues.push(projectKeyValue(fctx, encoderFusionPrefix(l), states))
  return { weights, keyValues, mask: tf.cast(mask, 'float32') as tf.Tensor2D }
}

/** A batch-1 projected memory (one task) repeated to `batch` rows; the same memory when it already has them. */
export function encoderFusionForBatch(memory: EncoderFusionMemory, batch: number): EncoderFusionMemory {
  if (memory.mask.shape[0] === batch) return memory
  return {
    weights: memory.weights,
    keyValues: memory.keyValues.map((kv) => ({ key: repeatRows(kv.key, batch), value: repeatRows(kv.value, batch) })),
    mask: repeatRows(memory.mask, batch),
  }
}

/** Layer l's fusion sublayer on the self-attention output x (B, S, d) → (B, S, d). */
export function fuseInstruction(ctx: T5RunContext, memory: EncoderFusionMemory, layer: number, x: tf.Tensor3D): tf.Tensor3D {
  const fctx = fusionContext(ctx, memory.weights)
  const prefix = encoderFusionPrefix(layer)
  const normed = rmsNorm(x, weight(fctx, `${prefix}.layer_norm.weight`), ctx.config.layerNormEpsilon)
  return tf.add(x, dropout(ctx, attend(fctx, prefix, normed, memory.keyValues[layer]!, paddingMaskBias(memory.mask))))
}
