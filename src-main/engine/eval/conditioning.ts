/**
 * What conditions the model on a task during evaluation, beyond its encoder input: LoRA adapters (a static
 * teacher LoRA, or the adapter a hypernetwork generates from the task's instruction) and extra
 * cross-attention memory (TAGI's fused instruction states, decisions.md §1 point 1). An `AdapterSource`
 * supplies it once per task; here it is fitted to each batch.
 */
import { tf } from '../backend/index.ts'
import type { LoraSet, PeftAdapter, PerExampleLora } from '../models/lora/index.ts'
import { repeatRows, type ExtraMemory } from '../models/t5/index.ts'

export interface TaskConditioning {
  adapters?: LoraSet
  extraMemory?: ExtraMemory
  /** Estimated FLOPs spent producing it (e.g. the hypernetwork's pass over the instruction), counted once per task. */
  flops?: number
}

/**
 * One conditioning per task. Per-example adapters and extra memory have batch 1 (they are broadcast over the
 * task's batches). The caller owns what is returned and disposes it after the task (`disposeConditioning`).
 */
export interface AdapterSource<Task = unknown> {
  adapterForTask(task: Task): Promise<TaskConditioning>
}

/** The same static adapter for every task (a teacher LoRA baseline). Returns clones, so disposing them is safe. */
export function staticAdapterSource(adapter: PeftAdapter): AdapterSource {
  return {
    async adapterForTask() {
      const adapters: LoraSet = new Map()
      for (const [id, lora] of adapter.toLoraSet()) {
        if (lora.kind !== 'static') throw new Error(`static adapter source: module '${id}' is not a static LoRA`)
        adapters.set(id, { kind: 'static', A: tf.clone(lora.A), B: tf.clone(lora.B), scale: lora.scale })
      }
      return { adapters }
    },
  }
}

/** Releases the task's own tensors; encoder fusion blocks belong to the hypernetwork and stay. */
export function disposeConditioning(conditioning: TaskConditioning | undefined): void {
  if (!conditioning) return
  for (const lora of conditioning.adapters?.values() ?? []) {
    lora.A.dispose()
    lora.B.dispose()
  }
  conditioning.extraMemory?.states.dispose()
  conditioning.extraMemory?.mask.dispose()
}

/** Check that per-task tensors have batch 1, naming the offending module. */
export function checkTaskConditioning(conditioning: TaskConditioning): void {
  for (const [id, lora] of conditioning.adapters ?? []) {
    if (lora.kind === 'per-example' && lora.A.shape[0] !== 1) {
      throw new Error(`task adapter: per-example module '${id}' has batch ${lora.A.shape[0]}, expected 1 (one adapter per task)`)
    }
  }
  const memory = conditioning.extraMemory
  if (memory && memory.states.shape[0] !== 1) {
    throw new Error(`task extra memory: states have batch ${memory.states.shape[0]}, expected 1 (one memory per task)`)
  }
}

/** Number of real (mask = 1) extra-memory positions, for the FLOPs estimate. */
export function extraMemoryLength(conditioning: TaskConditioning | undefined): number {
  const mask = conditioning?.extraMemory?.mask
  if (!mask) return 0
  const total = tf.sum(mask)
  const length = total.dataSync()[0]!
  total.dispose()
  return length
}

/**
 * The conditioning for a batch of `batch` rows: static adapters as they are, batch-1 per-example adapters and
 * extra memory tiled to `batch` rows. The tiled tensors are new; release them with `disposeBatchConditioning`.
 */
export function conditioningForBatch(conditioning: TaskConditioning | undefined, batch: number): TaskConditioning {
  if (!conditioning) return {}
  let adapters: LoraSet | undefined
  if (conditioning.adapters) {
    adapters = new Map()
    for (const [id, lora] of conditioning.adapters) {
      if (lora.kind === 'static') adapters.set(id, lora)
      else {
        const tiled: PerExampleLora = {
          kind: 'per-example',
          A: repeatRows(lora.A, batch), // (1, in, r) → (batch, in, r)
          B: repeatRows(lora.B, batch), // (1, r, out) → (batch, r, out)
          scale: lora.scale,
        }
        adapters.set(id, tiled)
      }
    }
  }
  const memory = conditioning.extraMemory
  const extraMemory = memory
    ? { states: repeatRows(memory.states, batch), mask: repeatRows(memory.mask, batch), encoderFusion: memory.encoderFusion } // (batch, M, d), (batch, M)
    : undefined
  return { adapters, extraMemory }
}

/** Dispose only what `conditioningForBatch` created (tiled tensors), never the task's own static adapters. */
export function disposeBatchConditioning(batchConditioning: TaskConditioning): void {
  for (const lora of batchConditioning.adapters?.values() ?? []) {
    if (lora.kind === 'per-example') {
      lora.A.dispose()
      lora.B.dispose()
    }
  }
  batchConditioning.extraMemory?.states.dispose()
  batchConditioning.extraMemory?.mask.dispose()
}
