/**
 * Gradients of every layer type against central finite differences (float32: step 1e-2 on smooth
 * functions, relative tolerance, a few coordinates), and tensor memory flat over 100 training steps.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { batchMatMul, matMul2d } from '../../../src-main/engine/backend/ops.ts'
import { T5Model, labelCrossEntropy } from '../../../src-main/engine/models/t5/index.ts'
import { loraLinear } from '../../../src-main/engine/models/lora/apply.ts'
import type { T5RunContext } from '../../../src-main/engine/models/t5/context.ts'
import { rmsNorm } from '../../../src-main/engine/models/t5/rms-norm.ts'
import { attend, projectKeyValue } from '../../../src-main/engine/models/t5/attention.ts'
import { feedForward } from '../../../src-main/engine/models/t5/feed-forward.ts'
import { positionBias } from '../../../src-main/engine/models/t5/relative-position.ts'
import { encoderFusionShapes, fuseInstruction, projectEncoderFusion } from '../../../src-main/engine/models/t5/encoder-fusion.ts'
import { microConfig, randomIds, rng } from './helpers.ts'

beforeAll(async () => {
  await initBackend()
})

/** Compare d f / d p at a few coordinates with central differences. */
function checkGrad(f: (p: tf.Tensor) => tf.Scalar, p0: tf.Tensor, coords = 6, h = 1e-2): void {
  const analytic = tf.tidy(() => tf.grad(f)(p0)).dataSync()
  const base = Float32Array.from(p0.dataSync())
  const rand = rng(p0.size)
  for (let c = 0; c < coords; c++) {
    const i = Math.floor(rand() * base.length)
    const at = (delta: number) => {
      const v = Float32Array.from(base)
      v[i] += delta
      return tf.tidy(() => f(tf.tensor(v, p0.shape)).dataSync()[0])
    }
    const numeric = (at(h) - at(-h)) / (2 * h)
    const scale = Math.max(1, Math.abs(numeric), Math.abs(analytic[i]))
    expect(Math.abs(numeric - analytic[i]) / scale, `coordinate ${i}: analytic ${analytic[i]}, numeric ${numeric}`).toBeLessThan(2e-2)
  }
}

/** A fixed random projection so that f is a scalar of every output element. */
function probe(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed)
}

function context(model: T5Model, replace?: [string, tf.Tensor]): T5RunContext {
  const weights = new Map<string, tf.Tensor>(model.weights())
  if (replace) weights.set(replace[0], replace[1])
  return { config: model.config, weights, training: false }
}

describe('gradients against finite differences', () => {
  const x = () => tf.randomNormal([2, 3, 8], 0, 1, 'float32', 11) as tf.Tensor3D

  it('matMul2d and batchMatMul (explicit-transpose gradients)', () => {
    const a = tf.randomNormal([4, 5], 0, 1, 'float32', 1) as tf.Tensor2D
    const b = tf.randomNormal([5, 3], 0, 1, 'float32', 2) as tf.Tensor2D
    const r = probe([4, 3], 3)
    checkGrad((p) => tf.sum(tf.mul(matMul2d(p as tf.Tensor2D, b), r)), a)
    checkGrad((p) => tf.sum(tf.mul(matMul2d(a, p as tf.Tensor2D), r)), b)
    const a4 = tf.randomNormal([2, 2, 3, 4], 0, 1, 'float32', 4)
    const b4 = tf.randomNormal([2, 2, 4, 5], 0, 1, 'float32', 5)
    const r4 = probe([2, 2, 3, 5], 6)
    checkGrad((p) => tf.sum(tf.mul(batchMatMul(p, b4), r4)), a4)
    checkGrad((p) => tf.sum(tf.mul(batchMatMul(a4, p), r4)), b4)
  })

  it('RMSNorm (input and scale)', () => {
    const w = tf.randomNormal([8], 1, 0.2, 'float32', 7)
    const r = probe([2, 3, 8], 8)
    checkGrad((p) => tf.sum(tf.mul(rmsNorm(p, w, 1e-6), r)), x())
    checkGrad((p) => tf.sum(tf.mul(rmsNorm(x(), p, 1e-6), r)), w)
  })

  it('attention with relative position bias (q weight, bias table, input)', () => {
    const model = T5Model.init(microConfig(), 1)
    const prefix = 'encoder.block.0.layer.0.SelfAttention'
    const tableKey = `${prefix}.relative_attention_bias.weight`
    const r = probe([2, 3, 8], 9)
    const run = (ctx: T5RunContext, input: tf.Tensor3D) => {
      const bias = positionBias(ctx.weights.get(tableKey)!, 3, 3, true, 16)
      return tf.sum(tf.mul(attend(ctx, prefix, input, projectKeyValue(ctx, prefix, input), bias), r)) as tf.Scalar
    }
    checkGrad((p) => run(context(model, [`${prefix}.q.weight`, p]), x()), model.weights().get(`${prefix}.q.weight`)!)
    checkGrad((p) => run(context(model, [tableKey, p]), x()), model.weights().get(tableKey)!)
    checkGrad((p) => run(context(model), p as tf.Tensor3D), x())
    model.dispose()
  })

  it('encoder fusion sublayer (o and k weights, instruction states, input)', () => {
    const model = T5Model.init(microConfig(), 4)
    const ctx = context(model)
    const weights = new Map<string, tf.Tensor>()
    let seed = 30
    for (const [key, shape] of encoderFusionShapes(8, 6, 2)) weights.set(key, tf.randomNormal(shape, key.endsWith('layer_norm.weight') ? 1 : 0, 0.4, 'float32', seed++))
    const states = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 19) as tf.Tensor3D
    const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]])
    const r = probe([2, 3, 8], 20)
    const run = (w: Map<string, tf.Tensor>, s: tf.Tensor3D, input: tf.Tensor3D) =>
      tf.sum(tf.mul(fuseInstruction(ctx, projectEncoderFusion(ctx, w, s, mask), 1, input), r)) as tf.Scalar
    const replaced = (key: string, p: tf.Tensor) => new Map([...weights, [key, p]])
    for (const key of ['encoder_fusion.block.1.o.weight', 'encoder_fusion.block.1.k.weight']) checkGrad((p) => run(replaced(key, p), states, x()), weights.get(key)!)
    checkGrad((p) => run(weights, p as tf.Tensor3D, x()), states)
    checkGrad((p) => run(weights, states, p as tf.Tensor3D), x())
    model.dispose()
  })

  for (const proj of ['relu', 'gated-gelu'] as const) {
    it(`feed-forward ${proj}`, () => {
      const model = T5Model.init(microConfig({ feedForwardProj: proj }), 2)
      const prefix = 'encoder.block.0.layer.1.DenseReluDense'
      const r = probe([2, 3, 8], 10)
      const first = proj === 'relu' ? 'wi' : 'wi_0'
      for (const name of [first, 'wo']) {
        const key = `${prefix}.${name}.weight`
        checkGrad((p) => tf.sum(tf.mul(feedForward(context(model, [key, p]), prefix, x()), r)) as tf.Scalar, model.weights().get(key)!)
      }
      model.dispose()
    })
  }

  it('LoRA linear, static and per-example (A and B)', () => {
    const w = tf.randomNormal([8, 6], 0, 0.3, 'float32', 12)
    const r = probe([2, 3, 6], 13)
    const A = tf.randomNormal([2, 8], 0, 0.3, 'float32', 14) as tf.Tensor2D
    const B = tf.randomNormal([6, 2], 0, 0.3, 'float32', 15) as tf.Tensor2D
    const stat = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(loraLinear(x(), w, 'm', new Map([['m', { kind: 'static', A: a as tf.Tensor2D, B: b as tf.Tensor2D, scale: 2 }]])), r)) as tf.Scalar
    checkGrad((p) => stat(p, B), A)
    checkGrad((p) => stat(A, p), B)
    const Ab = tf.randomNormal([2, 8, 2], 0, 0.3, 'float32', 16) as tf.Tensor3D
    const Bb = tf.randomNormal([2, 2, 6], 0, 0.3, 'float32', 17) as tf.Tensor3D
    const per = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(loraLinear(x(), w, 'm', new Map([['m', { kind: 'per-example', A: a as tf.Tensor3D, B: b as tf.Tensor3D, scale: 2 }]])), r)) as tf.Scalar
    checkGrad((p) => per(p, Bb), Ab)
    checkGrad((p) => per(Ab, p), Bb)
  })

  it('label cross-entropy (with ignored labels)', () => {
    const logits = tf.randomNormal([2, 3, 7], 0, 1, 'float32', 18)
    const labels = tf.tensor2d([[1, 4, -100], [6, -100, 0]], undefined, 'int32')
    checkGrad((p) => labelCrossEntropy(p, labels), logits, 8)
  })
})

describe('training memory', () => {
  it('tf.memory().numTensors stays flat over 100 Adam steps of a tiny model (dropout on)', () => {
    const model = T5Model.init(microConfig(), 3)
    const rand = rng(5)
    const batch = {
      inputIds: randomIds(rand, 4, 7, 23),
      attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0], [1, 1, 0, 0, 0, 0, 0]], undefined, 'int32'),
      decoderInputIds: randomIds(rand, 4, 5, 23),
      labels: randomIds(rand, 4, 5, 23),
    }
    const optimizer = tf.train.adam(1e-2)
    const vars = [...model.weights().values()]
    const losses: number[] = []
    let after5 = 0
    for (let step = 0; step < 100; step++) {
      const loss = optimizer.minimize(() => model.forward(batch, { training: true }).loss!, true, vars)!
      losses.push(loss.dataSync()[0])
      loss.dispose()
      if (step === 4) after5 = tf.memory().numTensors
    }
    expect(tf.memory().numTensors).toBe(after5)
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5)
    optimizer.dispose()
    model.dispose()
  })
})
