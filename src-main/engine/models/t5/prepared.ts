/**
 * A task's conditioning prepared once for all of its instances (TAGI inference, tagi-method.md §1 step 4:
 * the instruction is encoded once per task, not per instance). The shared adapter is merged into copies of
 * the weights it targets (or kept as a static LoRA), and the fused instruction states are projected to every
 * decoder layer's cross-attention keys/values (and every encoder fusion block's, when there are blocks) at
 * batch 1; each generation batch then only tiles them.
 */
import { tf } from '../../backend/index.ts'
import { mergedWeights, toStaticLora, type SharedAdapterMode } from '../lora/merge.ts'
import type { LoraSet } from '../lora/types.ts'
import type { T5Config } from './config.ts'
import type { T5RunContext } from './context.ts'
import { cacheMemory, type CachedMemory, type ExtraMemory } from './memory.ts'

/** The modes a prepared task can hold ('per-example' tiles the adapter to every batch: no preparation). */
export type PreparedAdapterMode = Exclude<SharedAdapterMode, 'per-example'>

export interface PreparedTask {
  /** The config of the model it was prepared for; another model refuses it. */
  readonly config: T5Config
  readonly mode: PreparedAdapterMode
  /** 'merged': Hugging Face key → W + scale·ΔW, used in place of the model's own weight. */
  readonly weightOverrides: Map<string, tf.Tensor>
  /** 'static': the adapter as static LoRAs, applied at forward time. */
  readonly adapters?: LoraSet
  /** The fused instruction states, already projected (batch 1). */
  readonly memory?: CachedMemory
}

/** What a task brings: its shared adapter (static, or per-example with batch 1) and its memory (batch 1). */
export interface TaskConditioningInput {
  adapters?: LoraSet
  extraMemory?: ExtraMemory
}

/** Prepare `conditioning` against `base` (the model's context without adapters). Owns every tensor it holds. */
export function prepareTask(base: T5RunContext, conditioning: TaskConditioningInput, mode: PreparedAdapterMode): PreparedTask {
  if (mode !== 'merged' && mode !== 'static') throw new Error(`prepared task: unknown adapter mode '${String(mode)}', expected 'merged' or 'static'`)
  const weightOverrides = new Map<string, tf.Tensor>()
  let adapters: LoraSet | undefined
  let memory: CachedMemory | undefined
  try {
    if (conditioning.adapters && mode === 'merged') for (const [k, w] of mergedWeights(base.weights, conditioning.adapters)) weightOverrides.set(k, w)
    if (conditioning.adapters && mode === 'static') {
      adapters = new Map()
      for (const [id, lora] of conditioning.adapters) {
        const s = toStaticLora(id, lora)
        // Clone what was not converted, so the prepared task owns all of its tensors.
        adapters.set(id, s === lora ? { ...s, A: tf.clone(s.A), B: tf.clone(s.B) } : s)
      }
    }
    const prepared = { config: base.config, mode, weightOverrides, adapters }
    if (conditioning.extraMemory) {
      const ctx = preparedContext(base, prepared)
      memory = tf.tidy(() => cacheMemory(ctx, conditioning.extraMemory!) as unknown as tf.TensorContainer) as unknown as CachedMemory
    }
    return { ...prepared, memory }
  } catch (error) {
    disposePreparedTask({ config: base.config, mode, weightOverrides, adapters, memory })
    throw error
  }
}

/** `base` with the prepared weights and adapters in place. */
export function preparedContext(base: T5RunContext, prepared: Pick<PreparedTask, 'weightOverrides' | 'adapters'>): T5RunContext {
  const weights = prepared.weightOverrides.size > 0 ? new Map([...base.weights, ...prepared.weightOverrides]) : base.weights
  return { ...base, weights, adapters: prepared.adapters }
}

export function disposePreparedTask(prepared: PreparedTask): void {
  for (const w of prepared.weightOverrides.values()) w.dispose()
  for (const lora of prepared.adapters?.values() ?? []) tf.dispose([lora.A, lora.B])
  for (const kv of [...(prepared.memory?.keyValues ?? []), ...(prepared.memory?.encoderFusion?.keyValues ?? [])]) tf.dispose([kv.key, kv.value])
  prepared.memory?.mask.dispose()
  prepared.memory?.encoderFusion?.mask.dispose()
}
