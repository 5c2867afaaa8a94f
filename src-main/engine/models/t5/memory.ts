/**
 * Cross-attention memory with instruction fusion (decisions.md §1): [extra states ; encoder states], and,
 * with the paper's variant, the same states read by a cross-attention block in every encoder layer
 * (encoder-fusion.ts). The extra states of a task are the same for every row, so they can also come already
 * projected, once per task (`CachedMemory`): their keys/values are then tiled to the batch instead of being
 * recomputed by every cross-attention layer for every batch (tagi-method.md §1 step 4, "encoded once per task").
 */
import { tf } from '../../backend/index.ts'
import type { KeyValue } from './attention.ts'
import type { T5RunContext } from './context.ts'
import { crossKeyValues } from './decoder.ts'
import { encoderFusionForBatch, projectEncoderFusion, type EncoderFusionMemory, type EncoderFusionWeights } from './encoder-fusion.ts'
import { repeatRows } from './repeat-rows.ts'

export interface ExtraMemory {
  /** (B, M, d_model) states prepended to the encoder output in every cross-attention. */
  states: tf.Tensor3D
  /** (B, M) 1 = attend, 0 = padding. */
  mask: tf.Tensor2D
  /** Paper Eq. 1: encoder fusion blocks that also read these states (owned by the hypernetwork, not by the memory). */
  encoderFusion?: EncoderFusionWeights
}

/** Extra memory already projected: per decoder layer, cross-attention keys/values (1, M, H, Dk); mask (1, M). */
export interface CachedMemory {
  keyValues: KeyValue[]
  mask: tf.Tensor2D
  /** The encoder fusion blocks' keys/values of the same states (batch 1), when the memory has blocks. */
  encoderFusion?: EncoderFusionMemory
}

/** Throws, naming the expected shape, unless `extra` holds (b, M, d) states and a (b, M) mask. */
function checkExtraMemory(extra: ExtraMemory, b: number, d: number): void {
  if (extra.states.rank !== 3 || extra.states.shape[0] !== b || extra.states.shape[2] !== d) {
    throw new Error(`extraMemory.states should have shape [${b}, M, ${d}], found [${extra.states.shape.join(', ')}]`)
  }
  if (extra.mask.rank !== 2 || extra.mask.shape[0] !== b || extra.mask.shape[1] !== extra.states.shape[1]) {
    throw new Error(`extraMemory.mask should have shape [${b}, ${extra.states.shape[1]}], found [${extra.mask.shape.join(', ')}]`)
  }
}

/** Memory for cross-attention: [extra ; encoder] with the masks concatenated the same way. */
export function fuseMemory(encoderStates: tf.Tensor3D, attentionMask: tf.Tensor2D, extra?: ExtraMemory): { memory: tf.Tensor3D; mask: tf.Tensor2D } {
  const mask = tf.cast(attentionMask, 'float32') as tf.Tensor2D
  if (!extra) return { memory: encoderStates, mask }
  const [b, , d] = encoderStates.shape
  checkExtraMemory(extra, b, d)
  return {
    memory: tf.concat([extra.states, encoderStates], 1),
    mask: tf.concat([tf.cast(extra.mask, 'float32') as tf.Tensor2D, mask], 1),
  }
}

/** Project a batch-1 extra memory once: what `crossMemoryKeyValues` takes as `cached`. */
export function cacheMemory(ctx: T5RunContext, extra: ExtraMemory): CachedMemory {
  const { states, mask } = extra
  if (states.rank !== 3 || states.shape[0] !== 1 || states.shape[2] !== ctx.config.dModel) {
    throw new Error(`extraMemory.states should have shape [1, M, ${ctx.config.dModel}] (one memory per task), found [${states.shape.join(', ')}]`)
  }
  if (mask.rank !== 2 || mask.shape[0] !== 1 || mask.shape[1] !== states.shape[1]) {
    throw new Error(`extraMemory.mask should have shape [1, ${states.shape[1]}], found [${mask.shape.join(', ')}]`)
  }
  const encoderFusion = extra.encoderFusion ? projectEncoderFusion(ctx, extra.encoderFusion, states, mask) : undefined
  return { keyValues: crossKeyValues(ctx, states), mask: tf.cast(mask, 'float32') as tf.Tensor2D, encoderFusion }
}

/** The encoder fusion blocks' memory for a batch of `batch` rows: projected from `extra`, or tiled from `cached`. */
export function encoderFusionMemory(ctx: T5RunContext, batch: number, extra?: ExtraMemory, cached?: CachedMemory): EncoderFusionMemory | undefined {
  if (extra?.encoderFusion) {
    checkExtraMemory(extra, batch, ctx.config.dModel)
    return projectEncoderFusion(ctx, extra.encoderFusion, extra.states, extra.mask)
  }
  return cached?.encoderFusion ? encoderFusionForBatch(cached.encoderFusion, batch) : undefined
}

/**
 * Every decoder layer's cross-attention keys/values (B, M + S, H, Dk) and the memory mask (B, M + S), for
 * encoder states (B, S, d). The extra part comes from `cached` (tiled, no projection) or from `extra`
 * (projected here with the encoder states); a row-wise projection makes both the same up to float error.
 */
export function crossMemoryKeyValues(
  ctx: T5RunContext,
  encoderStates: tf.Tensor3D,
  attentionMask: tf.Tensor2D,
  extra?: ExtraMemory,
  cached?: CachedMemory,
): { cross: KeyValue[]; mask: tf.Tensor2D } {
  if (extra && cached) throw new Error('cross-attention memory: give extra states or cached keys/values, not both')
  if (!cached) {
    const fused = fuseMemory(encoderStates, attentionMask, extra)
    return { cross: crossKeyValues(ctx, fused.memory), mask: fused.mask }
  }
  const [b, s] = encoderStates.shape
  const m = cached.mask.shape[1]
  const { numHeads: h, dKv } = ctx.config
  // Joined as 2-D rows (B, M·H·Dk) | (B, S·H·Dk): concat along the last axis of a 2-D tensor is a row copy.
  const join = (extra: tf.Tensor4D, own: tf.Tensor4D): tf.Tensor4D =>
    tf.reshape(tf.concat([repeatRows(tf.reshape(extra, [1, m * h * dKv]), b), tf.reshape(own, [b, s * h * dKv])], 1), [b, m + s, h, dKv])
  const cross = crossKeyValues(ctx, encoderStates).map((kv, l) => ({
    key: join(cached.keyValues[l]!.key, kv.key), // (B, M + S, H, Dk)
    value: join(cached.keyValues[l]!.value, kv.value),
  }))
  const mask = tf.concat([repeatRows(cached.mask, b), tf.cast(attentionMask, 'float32') as tf.Tensor2D], 1) // (B, M + S)
  return { cross, mask }
}
