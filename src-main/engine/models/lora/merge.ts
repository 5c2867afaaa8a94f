/**
 * One adapter shared by every row of a task (the hypernetwork's batch-1 output, or a PEFT LoRA), made cheap
 * to apply at inference: as a static LoRA (two thin 2-D matMuls per projection instead of the per-example
 * batched products) or merged into a copy of the weights, W' = W + scale·ΔW, as PEFT's `merge_and_unload`
 * does. The base weights are never modified, so there is nothing to unmerge and the backbone stays exact.
 */
import { tf } from '../../backend/index.ts'
import { matMul2d } from '../../backend/ops.ts'
import { checkLoraShapes } from './apply.ts'
import type { LoraModuleId, LoraSet, PerExampleLora, StaticLora } from './types.ts'

/** How a task's shared adapter is applied at inference; all three give the same outputs up to float error. */
export type SharedAdapterMode = 'merged' | 'static' | 'per-example'
export const SHARED_ADAPTER_MODES: readonly SharedAdapterMode[] = ['merged', 'static', 'per-example']

function checkShared(id: LoraModuleId, lora: StaticLora | PerExampleLora): void {
  if (lora.kind === 'per-example' && (lora.A.rank !== 3 || lora.A.shape[0] !== 1 || lora.B.shape[0] !== 1)) {
    throw new Error(`LoRA module '${id}': a shared adapter needs per-example batch 1, found A [${lora.A.shape.join(', ')}], B [${lora.B.shape.join(', ')}]`)
  }
}

/**
 * A batch-1 per-example adapter as the equivalent static LoRA (PEFT orientation): A_static = A[0]ᵀ (r, in),
 * B_static = B[0]ᵀ (out, r). Static adapters are returned as they are (not copied). New tensors are the caller's.
 */
export function toStaticLora(id: LoraModuleId, lora: StaticLora | PerExampleLora): StaticLora {
  checkShared(id, lora)
  if (lora.kind === 'static') return lora
  return tf.tidy(() => {
    const [, inDim, r] = lora.A.shape
    const outDim = lora.B.shape[2]
    return {
      kind: 'static',
      A: tf.transpose(tf.reshape(lora.A, [inDim, r])) as tf.Tensor2D, // (1, in, r) → (r, in)
      B: tf.transpose(tf.reshape(lora.B, [r, outDim])) as tf.Tensor2D, // (1, r, out) → (out, r)
      scale: lora.scale,
    } as unknown as tf.TensorContainer
  }) as unknown as StaticLora
}

/** The update scale·ΔW in the internal weight layout (in, out). */
function deltaInternal(lora: StaticLora | PerExampleLora): tf.Tensor2D {
  if (lora.kind === 'static') return tf.mul(matMul2d(tf.transpose(lora.A), tf.transpose(lora.B)), lora.scale) // (in, r)·(r, out)
  const [, inDim, r] = lora.A.shape
  const outDim = lora.B.shape[2]
  return tf.mul(matMul2d(tf.reshape(lora.A, [inDim, r]), tf.reshape(lora.B, [r, outDim])), lora.scale)
}

/**
 * Merged copies of the adapted weights: `${module}.weight` → W + scale·ΔW (internal layout (in, out)), one per
 * adapter of `adapters` (static, or per-example with batch 1). `weights` is left untouched; the returned
 * tensors are new and the caller disposes them.
 */
export function mergedWeights(weights: ReadonlyMap<string, tf.Tensor>, adapters: LoraSet): Map<string, tf.Tensor> {
  const merged = new Map<string, tf.Tensor>()
  try {
    for (const [id, lora] of adapters) {
      const key = `${id}.weight`
      const w = weights.get(key)
      if (!w) throw new Error(`LoRA module '${id}' does not exist in this model (no weight '${key}')`)
      checkShared(id, lora)
      checkLoraShapes(id, lora, w, 1)
      merged.set(key, tf.tidy(() => tf.add(w, deltaInternal(lora))))
    }
  } catch (error) {
    for (const t of merged.values()) t.dispose()
    throw error
  }
  return merged
}
