/**
 * Data-parallel training: one step with 2 worker threads equals one worker on the same global batch
 * (and the in-thread trainer) up to float error, with shards holding different numbers of valid labels
 * (so the weighted average is what is tested, not a plain mean); the fallback and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { T5Model, type T5Config } from '../../../src-main/engine/models/t5/index.ts'
import { createDataParallelTrainer, type BatchData, type DataParallelTrainer } from '../../../src-main/engine/parallel/index.ts'
import { microConfig } from '../engine/helpers.ts'

const replicaModule = new URL('../../../src-main/engine/parallel/t5-replica.ts', import.meta.url)

const config: T5Config = microConfig({ vocabSize: 50, dModel: 16, dKv: 4, numHeads: 4, dFf: 32 })

/** 5 rows (split 2 + 3): labels −100 mostly in the first shard, padding in the encoder input. */
function globalBatch(): BatchData {
  const [rows, src, tgt] = [5, 7, 4]
  const ids = (n: number, seed: number) => Int32Array.from({ length: n }, (_, i) => 2 + ((i * 7 + seed * 13) % (config.vocabSize - 2)))
  const mask = Int32Array.from({ length: rows * src }, (_, i) => (i % src < src - (i / src | 0) % 3 ? 1 : 0))
  const labels = ids(rows * tgt, 3)
  for (const i of [0, 1, 2, 5, 6]) labels[i] = -100
  return {
    inputIds: { shape: [rows, src], dtype: 'int32', data: ids(rows * src, 1) },
    attentionMask: { shape: [rows, src], dtype: 'int32', data: mask },
    decoderInputIds: { shape: [rows, tgt], dtype: 'int32', data: ids(rows * tgt, 2) },
    labels: { shape: [rows, tgt], dtype: 'int32', data: labels },
  }
}

const trainers: DataParallelTrainer[] = []

beforeAll(async () => {
  await initBackend()
})

afterAll(async () => {
  await Promise.all(trainers.map((t) => t.dispose()))
})

/** One Adam step from the same initial weights; returns the loss and the updated weights. */
async function oneStep(workers: number): Promise<{ loss: number; weights: Map<string, Float32Array>; trainer: DataParallelTrainer }> {
  // Dropout off: each worker would draw its own masks, which no single-worker run can reproduce.
  const trainer = await createDataParallelTrainer({ replicaModule, replicaOptions: { config, training: false }, workers })
  trainers.push(trainer)
  const model = T5Model.init(config, 7)
  const optimizer = tf.train.adam(1e-2)
  const { loss } = await trainer.step(model.weights(), globalBatch(), optimizer)
  const weights = new Map([...model.weights()].map(([k, v]) => [k, Float32Array.from(v.dataSync())]))
  model.dispose()
  optimizer.dispose()
  return { loss, weights, trainer }
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let max = 0
  for (const [k, va] of a) {
    const vb = b.get(k)!
    for (let i = 0; i < va.length; i++) max = Math.max(max, Math.abs(va[i] - vb[i]))
  }
  return max
}

describe('data-parallel trainer', () => {
  it('2 worker threads equal 1 worker thread and the in-thread trainer on the same global batch', async () => {
    const inThread = await oneStep(0)
    const one = await oneStep(1)
    const two = await oneStep(2)
    expect(one.trainer.threads).toBe(1)
    expect(two.trainer.threads).toBe(2)
    expect(two.trainer.fallbackReason).toBeNull()
    expect(Math.abs(two.loss - one.loss)).toBeLessThan(1e-5)
    expect(Math.abs(inThread.loss - one.loss)).toBeLessThan(1e-5)
    // Adam normalises each coordinate, so a wrong shard weighting would move weights by ~lr = 1e-2.
    expect(maxDiff(two.weights, one.weights)).toBeLessThan(1e-4)
    expect(maxDiff(inThread.weights, one.weights)).toBeLessThan(1e-4)
  }, 60_000)

  it('shards are weighted by valid labels (3 and 12 here): a plain mean of shard losses would differ', async () => {
    const trainer = trainers.find((t) => t.threads === 2)!
    const model = T5Model.init(config, 7)
    const batch = globalBatch()
    const rows = (from: number, to: number): BatchData =>
      Object.fromEntries(Object.entries(batch).map(([k, t]) => [k, { ...t, shape: [to - from, t.shape[1]], data: t.data.slice(from * t.shape[1], to * t.shape[1]) }]))
    const whole = await trainer.gradients(model.weights(), batch)
    const first = await trainer.gradients(model.weights(), rows(0, 2))
    const second = await trainer.gradients(model.weights(), rows(2, 5))
    expect(Math.abs((3 * first.loss + 12 * second.loss) / 15 - whole.loss)).toBeLessThan(1e-5)
    expect(Math.abs((first.loss + second.loss) / 2 - whole.loss)).toBeGreaterThan(1e-3)
    tf.dispose([whole, first, second].flatMap((r) => [...r.grads.values()]))
    model.dispose()
  }, 60_000)

  it('falls back to this thread, saying why, when the worker entry is missing', async () => {
    const trainer = await createDataParallelTrainer({ replicaModule, replicaOptions: { config }, workers: 2, workerUrl: new URL('file:///nonexistent/worker.js') })
    trainers.push(trainer)
    expect(trainer.threads).toBe(1)
    expect(trainer.fallbackReason).toContain('/nonexistent/worker.js does not exist')
  })

  it('names the problem for a batch whose tensors disagree on rows, and for a missing weight', async () => {
    const trainer = trainers.find((t) => t.threads === 2)!
    const model = T5Model.init(config, 7)
    const batch = globalBatch()
    batch.labels = { ...batch.labels, shape: [4, 5] }
    await expect(trainer.gradients(model.weights(), batch)).rejects.toThrow('every tensor needs the same first dimension (rows), found 5, 4')
    const partial = new Map([...model.weights()].slice(1))
    await expect(trainer.gradients(partial, globalBatch())).rejects.toThrow("weight 'shared.weight' is missing from the weights map")
    model.dispose()
  })
})
