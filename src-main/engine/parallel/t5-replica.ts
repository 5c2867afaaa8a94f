/**
 * A ready replica module for the data-parallel trainer: a T5 trained on teacher-forced label
 * cross-entropy, batches with keys inputIds, attentionMask, decoderInputIds, labels (rows = examples).
 * Pass `new URL('./t5-replica.ts', import.meta.url)` (or its built .js) as `replicaModule`.
 */
import type { tf } from '../backend/index.ts'
import { T5Model, type T5Config } from '../models/t5/index.ts'
import { IGNORE_INDEX } from '../models/t5/loss.ts'
import type { BatchData } from './protocol.ts'
import type { Replica, TensorBatch } from './replica.ts'

export interface T5ReplicaOptions {
  config: T5Config
  /** Initial weights do not matter (the trainer sends its own each step); a seed keeps init cheap and fixed. */
  seed?: number
  /** Dropout on (each worker draws its own masks). */
  training?: boolean
}

const KEYS = ['inputIds', 'attentionMask', 'decoderInputIds', 'labels'] as const

export function createReplica(options: unknown): Replica {
  const { config, seed = 0, training = true } = options as T5ReplicaOptions
  if (!config) throw new Error('t5 replica: options.config (a T5Config) is required')
  const model = T5Model.init(config, seed)
  return {
    trainable: model.weights(),
    lossFn(batch: TensorBatch) {
      for (const key of KEYS) if (!batch[key]) throw new Error(`t5 replica: batch key '${key}' is missing (expected ${KEYS.join(', ')})`)
      const { inputIds, attentionMask, decoderInputIds, labels } = batch as Record<(typeof KEYS)[number], tf.Tensor2D>
      return model.forward({ inputIds, attentionMask, decoderInputIds, labels }, { training }).loss!
    },
    /** The loss is a mean over labels ≠ -100, so that is each shard's weight. */
    batchWeight(batch: BatchData) {
      let count = 0
      for (const label of batch.labels.data) if (label !== IGNORE_INDEX) count++
      return count
    },
    dispose: () => model.dispose(),
  }
}
