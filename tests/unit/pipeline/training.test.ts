import { beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tf, initBackend } from '../../../src-main/engine/backend/index.ts'
import { JobCancelledError } from '../../../src-main/engine/jobs/job-kind.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import {
  AdamW,
  DataOrder,
  learningRateAt,
  loadCheckpoint,
  train,
  type TrainingConfig,
  type TrainingContext,
} from '../../../src-main/engine/training/index.ts'

beforeAll(async () => {
  await initBackend()
})

describe('AdamW', () => {
  it('matches a hand-computed first and second update, with decoupled weight decay', () => {
    const p = tf.variable(tf.tensor1d([1, -2]))
    const opt = new AdamW(new Map([['p', p]]), { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, clipNorm: 0 })
    // Step 1: m̂ = g, v̂ = g², so the step is g/|g| = sign(g); decay adds 0.1·p. lr 0.01.
    opt.apply(new Map([['p', tf.tensor1d([0.5, -4])]]), 0.01)
    const after1 = [1 - 0.01 * (1 + 0.1 * 1), -2 - 0.01 * (-1 + 0.1 * -2)]
    expect(Array.from(p.dataSync())[0]).toBeCloseTo(after1[0]!, 6)
    expect(Array.from(p.dataSync())[1]).toBeCloseTo(after1[1]!, 6)
    // Step 2 with g = [1, 0] on the first entry: m = .9·.05·… computed explicitly.
    const g1 = 0.5, g2 = 1
    const m = 0.9 * (0.1 * g1) + 0.1 * g2
    const v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2
    const step = m / (1 - 0.81) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    opt.apply(new Map([['p', tf.tensor1d([1, 0])]]), 0.01)
    expect(p.dataSync()[0]).toBeCloseTo(after1[0]! - 0.01 * (step + 0.1 * after1[0]!), 6)
    opt.dispose()
    p.dispose()
  })

  it('clips the global gradient norm', () => {
    const p = tf.variable(tf.tensor1d([0, 0]))
    const opt = new AdamW(new Map([['p', p]]), { beta1: 0, beta2: 0, epsilon: 0, weightDecay: 0, clipNorm: 1 })
    // With beta1 = beta2 = 0 the update is g/|g| elementwise whatever the clip; the norm is reported unclipped.
    expect(opt.apply(new Map([['p', tf.tensor1d([3, 4])]]), 0.1)).toBeCloseTo(5, 5)
    expect(() => opt.apply(new Map([['q', tf.tensor1d([1, 1])]]), 0.1)).toThrow(/unknown parameter 'q'/)
    opt.dispose()
    p.dispose()
  })
})

describe('schedule and data order', () => {
  it('warms up linearly over 2% of the steps, then stays constant (or decays linearly)', () => {
    const config = { learningRate: 1e-3, warmupFraction: 0.02, decay: 'constant' as const }
    expect(learningRateAt(1, 500, config)).toBeCloseTo(1e-4, 10)
    expect(learningRateAt(10, 500, config)).toBeCloseTo(1e-3, 10)
    expect(learningRateAt(400, 500, config)).toBe(1e-3)
    expect(learningRateAt(500, 500, { ...config, decay: 'linear' })).toBeCloseTo(1e-3 / 490, 10)
    expect(() => learningRateAt(1, 10, { ...config, warmupFraction: 1 })).toThrow(/warmupFraction/)
  })

  it('visits every item once per epoch and resumes from its snapshot exactly', () => {
    const order = DataOrder.fresh(10, 7)
    const epoch = order.next(10)
    expect([...epoch].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    order.next(3)
    const snapshot = order.snapshot()
    const continued = order.next(12)
    expect(new DataOrder(10, snapshot).next(12)).toEqual(continued)
    expect(DataOrder.fresh(10, 8).next(10)).not.toEqual(epoch)
  })
})

/** A toy regression stage: y = x·w_true, learn w. Deterministic data, so curves can be compared exactly. */
function toyStage(run: ReturnType<Workspace['runs']['create']>, ctx: TrainingContext, config: TrainingConfig) {
  const xs = tf.randomNormal([40, 3], 0, 1, 'float32', 1)
  const ys = tf.tidy(() => tf.matMul(xs, tf.tensor2d([[1], [-2], [0.5]])))
  const w = tf.tidy(() => tf.variable(tf.zeros([3, 1])))
  const spec = {
    run,
    config,
    stageConfig: { kind: 'toy', ...config },
    trainable: new Map([['w', w]]),
    itemCount: 40,
    makeBatch: (indices: number[]) => {
      const idx = tf.tensor1d(indices, 'int32')
      const batch = { x: tf.gather(xs, idx), y: tf.gather(ys, idx) }
      idx.dispose()
      return batch
    },
    lossFn: (b: { x: tf.Tensor; y: tf.Tensor }) => {
      const loss = tf.mean(tf.square(tf.sub(tf.matMul(b.x, w), b.y))) as tf.Scalar
      return { loss, terms: { mse: loss } }
    },
    batchTokens: (b: { x: tf.Tensor }) => b.x.shape[0]!,
    disposeBatch: (b: { x: tf.Tensor; y: tf.Tensor }) => tf.dispose([b.x, b.y]),
    ctx,
  }
  return { spec, dispose: () => tf.dispose([xs, ys, w]) }
}

const quietContext = (cancelAtStep?: number): TrainingContext & { steps: number[] } => {
  const steps: number[] = []
  return {
    steps,
    progress: (u) => steps.push(u.step),
    log: () => {},
    yieldAndCheck: async () => {
      if (cancelAtStep !== undefined && steps.length > 0 && steps.at(-1) === cancelAtStep) throw new JobCancelledError()
    },
  }
}

describe('the training loop', () => {
  const config: TrainingConfig = { steps: 12, batchSize: 4, checkpointEvery: 5, seed: 3, learningRate: 0.05, warmupFraction: 0.1, decay: 'constant' }

  it('a cancelled run checkpoints, resumes with weights, moments, data order and RNG, and matches an uninterrupted run', async () => {
    const workspace = new Workspace(mkdtempSync(join(tmpdir(), 'train-')))
    const before = tf.memory().numTensors
    const straightRun = workspace.runs.create({ stage: 'toy', config: {} })
    const straight = toyStage(straightRun, quietContext(), config)
    const result = await train(straight.spec)
    straight.dispose()
    expect(result).toMatchObject({ steps: 12, resumedFrom: 0 })
    const reference = straightRun.readMetrics().map((m) => m.loss as number)
    expect(reference).toHaveLength(12)
    expect(reference[11]!).toBeLessThan(reference[0]!)

    const run = workspace.runs.create({ stage: 'toy', config: {} })
    const first = toyStage(run, quietContext(7), config)
    await expect(train(first.spec)).rejects.toBeInstanceOf(JobCancelledError)
    first.dispose()
    expect(run.record.status).toBe('cancelled')
    expect(loadCheckpoint(run.dir)!.state.step).toBe(7)
    const second = toyStage(run, quietContext(), config)
    const resumed = await train(second.spec)
    second.dispose()
    expect(resumed).toMatchObject({ steps: 12, resumedFrom: 7 })
    const curve = run.readMetrics().map((m) => m.loss as number)
    expect(run.readMetrics().map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    curve.forEach((loss, i) => expect(loss).toBeCloseTo(reference[i]!, 5))
    // One tensor file is kept, the last one; the loop leaks no tensors.
    expect(readdirSync(join(run.dir, 'checkpoint')).filter((f) => f.endsWith('.safetensors'))).toEqual(['step-000012.safetensors'])
    expect(tf.memory().numTensors).toBe(before)
  })

  it('drops metric lines written after the last checkpoint when it resumes', async () => {
    const workspace = new Workspace(mkdtempSync(join(tmpdir(), 'train-')))
    const run = workspace.runs.create({ stage: 'toy', config: {} })
    const first = toyStage(run, quietContext(), { ...config, steps: 5 })
    await train(first.spec)
    first.dispose()
    // As if the process had been killed after logging steps 6-7 but before their checkpoint.
    run.appendMetric({ step: 6, loss: 99 })
    run.appendMetric({ step: 7, loss: 99 })
    const stage = toyStage(run, quietContext(), { ...config, steps: 5 })
    stage.spec.stageConfig = { kind: 'toy', ...config, steps: 5 }
    await train(stage.spec)
    stage.dispose()
    expect(run.readMetrics().map((m) => m.step)).toEqual([1, 2, 3, 4, 5])
    expect(existsSync(join(run.dir, 'checkpoint', 'checkpoint.json'))).toBe(true)
  })

  it('refuses to resume a checkpoint made with another config, and a bad config', async () => {
    const workspace = new Workspace(mkdtempSync(join(tmpdir(), 'train-')))
    const run = workspace.runs.create({ stage: 'toy', config: {} })
    const first = toyStage(run, quietContext(), { ...config, steps: 2 })
    await train(first.spec)
    first.dispose()
    const other = toyStage(run, quietContext(), { ...config, steps: 2, learningRate: 0.1 })
    await expect(train(other.spec)).rejects.toThrow(/another config/)
    other.dispose()
    const bad = toyStage(run, quietContext(), { ...config, batchSize: 0 })
    await expect(train(bad.spec)).rejects.toThrow(/batchSize must be a positive integer/)
    bad.dispose()
  })
})
