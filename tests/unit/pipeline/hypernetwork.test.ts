import { beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tf, initBackend } from '../../../src-main/engine/backend/index.ts'
import { HyperNetwork, adaptersForBatch, poolFirstLast, resolveHyperConfig } from '../../../src-main/engine/models/hyper/index.ts'
import type { T5Config } from '../../../src-main/engine/models/t5/config.ts'

beforeAll(async () => {
  await initBackend()
})

// d_model 16 but inner width 3 × 4 = 12, so A and B have different sizes and a mix-up would show.
const t5: T5Config = {
  vocabSize: 50, dModel: 16, dKv: 4, numHeads: 3, dFf: 32, numLayers: 2, numDecoderLayers: 1,
  relativeAttentionNumBuckets: 8, relativeAttentionMaxDistance: 16, layerNormEpsilon: 1e-6,
  feedForwardProj: 'gated-gelu', tieWordEmbeddings: false, padTokenId: 0, eosTokenId: 1, decoderStartTokenId: 0, dropoutRate: 0,
}

describe('instruction pooling', () => {
  it('averages H_1 + H_L over real tokens only by default; the unmasked mean depends on padding', () => {
    const first = tf.tensor3d([[[1, 1], [3, 3], [100, 100]]])
    const last = tf.tensor3d([[[1, 0], [1, 0], [100, 100]]])
    const mask = tf.tensor2d([[1, 1, 0]])
    expect(Array.from(poolFirstLast(first, last, mask).dataSync())).toEqual([3, 2])
    const unmasked = poolFirstLast(first, last, mask, false).dataSync()
    expect(unmasked[0]).toBeCloseTo((2 + 4 + 200) / 3, 4)
    expect(unmasked[1]).toBeCloseTo((1 + 3 + 200) / 3, 4)
  })
})

describe('hypernetwork', () => {
  it('generates A (U, d_model, r) and B (U, r, inner) for every q/v of the three stacks, in the code order', () => {
    const net = HyperNetwork.create(t5, { rank: 2, encodingDim: 7, positionEmbeddingDim: 3 }, 1)
    const ids = net.moduleIds()
    expect(ids).toEqual([
      'encoder.block.0.layer.0.SelfAttention.q', 'encoder.block.0.layer.0.SelfAttention.v',
      'encoder.block.1.layer.0.SelfAttention.q', 'encoder.block.1.layer.0.SelfAttention.v',
      'decoder.block.0.layer.0.SelfAttention.q', 'decoder.block.0.layer.0.SelfAttention.v',
      'decoder.block.0.layer.1.EncDecAttention.q', 'decoder.block.0.layer.1.EncDecAttention.v',
    ])
    const generated = net.generate(tf.randomNormal([3, 16], 0, 1, 'float32', 5) as tf.Tensor2D)
    expect([...generated.keys()]).toEqual(ids)
    for (const { A, B } of generated.values()) {
      expect(A.shape).toEqual([3, 16, 2])
      expect(B.shape).toEqual([3, 2, 12])
    }
    net.dispose()
  })

  it('starts with B exactly 0 (ΔW = 0) yet a non-zero gradient on the B head; A differs per task and per module', () => {
    const net = HyperNetwork.create(t5, { rank: 2, encodingDim: 7 }, 3)
    const pooled = tf.randomNormal([2, 16], 0, 1, 'float32', 9) as tf.Tensor2D
    const generated = net.generate(pooled)
    const first = generated.get('encoder.block.0.layer.0.SelfAttention.q')!
    const second = generated.get('encoder.block.1.layer.0.SelfAttention.v')!
    expect(tf.max(tf.abs(first.B)).dataSync()[0]).toBe(0)
    const a = first.A.arraySync() as number[][][]
    expect(a[0]).not.toEqual(a[1])
    expect(first.A.arraySync()).not.toEqual(second.A.arraySync())
    const x = tf.randomNormal([2, 4, 16], 0, 1, 'float32', 11)
    const target = tf.randomNormal([2, 4, 12], 0, 1, 'float32', 12)
    const { grads } = tf.variableGrads(() => {
      const g = net.generate(pooled).get('encoder.block.0.layer.0.SelfAttention.q')!
      const y = tf.matMul(tf.matMul(x, g.A), g.B) // x·A·B per example
      return tf.mean(tf.square(tf.sub(y, target))) as tf.Scalar
    }, [...net.variables.values()])
    const bHeadName = [...net.variables.entries()].find(([n]) => n === 'generators.encoder_self.b.w2')![1].name
    expect(tf.max(tf.abs(grads[bHeadName]!)).dataSync()[0]).toBeGreaterThan(0)
    net.dispose()
  })

  it('offers the code init (everything ≈ 0), the raw integer position and the per-layer generators', () => {
    const code = HyperNetwork.create(t5, { rank: 2, encodingDim: 7, init: 'code', positionEncoding: 'integer' }, 1)
    const g = code.generate(tf.ones([1, 16]) as tf.Tensor2D).get('encoder.block.0.layer.0.SelfAttention.q')!
    expect(tf.max(tf.abs(g.A)).dataSync()[0]).toBeLessThan(1e-9)
    expect(code.variables.get('generators.encoder_self.a.w1')!.shape).toEqual([8, 8]) // 7 + 1 raw idx
    expect(code.variables.has('generators.encoder_self.position_embedding')).toBe(false)
    const perLayer = HyperNetwork.create(t5, { rank: 2, encodingDim: 7, positionEncoding: 'per-layer' }, 1)
    expect(perLayer.variables.has('generators.encoder_self.layer1.a.w1')).toBe(true)
    expect(perLayer.generate(tf.ones([1, 16]) as tf.Tensor2D).size).toBe(8)
    code.dispose()
    perLayer.dispose()
  })

  it('round-trips through its files and refuses a backbone of another size', () => {
    const net = HyperNetwork.create(t5, { rank: 2, encodingDim: 7 }, 4)
    // Give B a non-zero value so the round trip checks both heads.
    net.variables.get('generators.decoder_cross.b.b2')!.assign(tf.randomNormal([24], 0, 1, 'float32', 2))
    const dir = mkdtempSync(join(tmpdir(), 'hyper-'))
    net.save(dir)
    const loaded = HyperNetwork.load(dir, t5)
    const pooled = tf.randomNormal([1, 16], 0, 1, 'float32', 7) as tf.Tensor2D
    const id = 'decoder.block.0.layer.1.EncDecAttention.v'
    expect(loaded.generate(pooled).get(id)!.B.arraySync()).toEqual(net.generate(pooled).get(id)!.B.arraySync())
    expect(() => HyperNetwork.load(dir, { ...t5, numLayers: 3 })).toThrow(/encoderLayers = 2, the backbone has 3/)
    net.dispose()
    loaded.dispose()
  })

  it('gathers task adapters to batch rows as per-example LoRAs', () => {
    const net = HyperNetwork.create(t5, { rank: 2, encodingDim: 7 }, 4)
    const generated = net.generate(tf.randomNormal([2, 16], 0, 1, 'float32', 1) as tf.Tensor2D)
    const set = adaptersForBatch(generated, tf.tensor1d([1, 1, 0], 'int32'))
    const lora = set.get('encoder.block.0.layer.0.SelfAttention.q')!
    expect(lora.kind).toBe('per-example')
    const rows = lora.A.arraySync() as number[][][]
    const tasks = generated.get('encoder.block.0.layer.0.SelfAttention.q')!.A.arraySync() as number[][][]
    expect([rows[0], rows[1], rows[2]]).toEqual([tasks[1], tasks[1], tasks[0]])
    net.dispose()
  })

  it('rejects unknown and invalid config keys by name', () => {
    expect(() => resolveHyperConfig({ rnak: 4 })).toThrow(/rnak/)
    expect(() => resolveHyperConfig({ positionEncoding: 'sinusoid' })).toThrow(/positionEncoding/)
    expect(() => HyperNetwork.create(t5, { rank: 13 })).toThrow(/rank 13 exceeds/)
  })
})
