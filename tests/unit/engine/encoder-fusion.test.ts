/**
 * The paper's instruction fusion (TAGI Eq. 1, decisions.md §1 point 1's option): a cross-attention block after
 * every encoder self-attention, owned by the hypernetwork, output projection 0 at init.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { HyperNetwork, resolveHyperConfig } from '../../../src-main/engine/models/hyper/index.ts'
import { T5Model, labelCrossEntropy, type ExtraMemory, type T5Batch } from '../../../src-main/engine/models/t5/index.ts'
import { encoderFusionShapes, fuseInstruction, projectEncoderFusion } from '../../../src-main/engine/models/t5/encoder-fusion.ts'
import { matMul2d } from '../../../src-main/engine/backend/ops.ts'
import { microConfig, randomIds, rng } from './helpers.ts'

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.sub(a, b).abs().max().dataSync()[0]!)

let model: T5Model
let batch: T5Batch
/** Instruction states (2, 5, d): row 0 has 4 real positions, row 1 has 3. */
let instruction: { states: tf.Tensor3D; mask: tf.Tensor2D }

beforeAll(async () => {
  await initBackend()
  model = T5Model.init(microConfig(), 5)
  const rand = rng(9)
  batch = {
    inputIds: randomIds(rand, 2, 6, 23),
    attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], undefined, 'int32'),
    decoderInputIds: randomIds(rand, 2, 4, 23),
    labels: randomIds(rand, 2, 4, 23),
  }
  instruction = {
    states: tf.randomNormal([2, 5, 8], 0, 1, 'float32', 3) as tf.Tensor3D,
    mask: tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]]),
  }
})
afterAll(() => {
  model.dispose()
  tf.dispose([...Object.values(batch), instruction.states, instruction.mask])
})

/** A hypernetwork with the paper's fusion whose fusion blocks all get random values (o included). */
function trainedLikeFusion(seed: number): HyperNetwork {
  const hyper = HyperNetwork.create(model.config, { rank: 2, encodingDim: 8, positionEmbeddingDim: 4, fusion: 'encoder-cross-attention' }, seed)
  for (const [name, v] of hyper.variables) {
    if (name.startsWith('encoder_fusion.') && !name.endsWith('layer_norm.weight')) v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', seed++))
  }
  return hyper
}

describe('encoder fusion (paper Eq. 1)', () => {
  it("keeps the code's decoder concat as the default and reads older boolean configs", () => {
    expect(resolveHyperConfig({}).fusion).toBe('decoder-concat')
    expect(resolveHyperConfig({ fusion: true }).fusion).toBe('decoder-concat')
    expect(resolveHyperConfig({ fusion: false }).fusion).toBe('none')
    expect(() => resolveHyperConfig({ fusion: 'encoder' })).toThrow(/fusion/)
  })

  it('adds, to every token, attention over the real instruction positions: with one real position that is (I·Wv)·Wo', () => {
    const ctx = { config: model.config, weights: model.weights() as Map<string, tf.Tensor>, training: false }
    const weights = new Map<string, tf.Tensor>()
    let seed = 40
    for (const [key, shape] of encoderFusionShapes(8, 6, 2)) weights.set(key, tf.randomNormal(shape, key.endsWith('layer_norm.weight') ? 1 : 0, 0.5, 'float32', seed++))
    // Position 0 is real, 1 and 2 are padding: softmax puts all weight on position 0 whatever q and k are.
    const states = tf.randomNormal([1, 3, 8], 0, 1, 'float32', 50) as tf.Tensor3D
    const x = tf.randomNormal([1, 4, 8], 0, 1, 'float32', 51) as tf.Tensor3D
    const fused = fuseInstruction(ctx, projectEncoderFusion(ctx, weights, states, tf.tensor2d([[1, 0, 0]])), 1, x)
    const first = tf.reshape(tf.slice(states, [0, 0, 0], [1, 1, 8]), [1, 8]) as tf.Tensor2D
    const added = matMul2d(matMul2d(first, weights.get('encoder_fusion.block.1.v.weight') as tf.Tensor2D), weights.get('encoder_fusion.block.1.o.weight') as tf.Tensor2D) // (1, d)
    expect(maxAbsDiff(fused, tf.add(x, added))).toBeLessThan(1e-5)
  })

  it('starts as the plain encoder exactly (o = 0), yet the loss reaches o through its gradient', () => {
    const hyper = HyperNetwork.create(model.config, { rank: 2, encodingDim: 8, positionEmbeddingDim: 4, fusion: 'encoder-cross-attention' }, 1)
    const fusionNames = [...hyper.variables.keys()].filter((name) => name.startsWith('encoder_fusion.'))
    expect(fusionNames).toHaveLength(2 * 5) // per encoder layer: norm, q, k, v, o
    const memory = hyper.fusedMemory(instruction)!
    expect(memory.encoderFusion?.size).toBe(10)
    const plain = model.forward(batch, { extraMemory: { states: instruction.states, mask: instruction.mask } })
    const fused = model.forward(batch, { extraMemory: memory })
    expect(maxAbsDiff(fused.encoderStates, plain.encoderStates)).toBe(0)
    expect(maxAbsDiff(fused.logits, plain.logits)).toBe(0)

    const o = hyper.variables.get('encoder_fusion.block.0.o.weight')!
    const { grads } = tf.variableGrads(() => labelCrossEntropy(model.forward(batch, { extraMemory: memory }).logits, batch.labels!), [o])
    expect(tf.tidy(() => grads[o.name]!.abs().max().dataSync()[0]!)).toBeGreaterThan(0)
    tf.dispose([plain.encoderStates, plain.logits, fused.encoderStates, fused.logits, ...Object.values(grads)])
    hyper.dispose()
  })

  it('changes the encoder once trained; the per-task cached path equals projecting per batch; none and decoder-concat differ', async () => {
    const hyper = trainedLikeFusion(2)
    const memory = hyper.fusedMemory(instruction)!
    const plain = model.encode(batch.inputIds, batch.attentionMask)
    const fused = model.encode(batch.inputIds, batch.attentionMask, { extraMemory: memory })
    expect(maxAbsDiff(fused, plain)).toBeGreaterThan(1e-3)
    expect(HyperNetwork.create(model.config, { fusion: 'none', rank: 2 }).fusedMemory(instruction)).toBeUndefined()
    expect(HyperNetwork.create(model.config, { fusion: 'decoder-concat', rank: 2 }).fusedMemory(instruction)?.encoderFusion).toBeUndefined()

    // One task's memory (batch 1), prepared once, against the same memory tiled to both rows.
    const one: ExtraMemory = { ...memory, states: tf.slice(instruction.states, [0, 0, 0], [1, 5, 8]), mask: tf.slice(instruction.mask, [0, 0], [1, 5]) }
    const tiled: ExtraMemory = { ...memory, states: tf.concat([one.states, one.states]), mask: tf.concat([one.mask, one.mask]) }
    const prepared = model.prepareTask({ extraMemory: one })
    const viaPrepared = model.forward(batch, { prepared })
    const viaTiled = model.forward(batch, { extraMemory: tiled })
    expect(maxAbsDiff(viaPrepared.logits, viaTiled.logits)).toBeLessThan(1e-5)
    const inputs = { inputIds: batch.inputIds, attentionMask: batch.attentionMask }
    expect(await model.generate(inputs, { maxNewTokens: 4, prepared })).toEqual(await model.generate(inputs, { maxNewTokens: 4, extraMemory: tiled }))
    // A memory for another batch size is refused by name.
    expect(() => model.encode(batch.inputIds, batch.attentionMask, { extraMemory: one })).toThrow(/extraMemory.states should have shape \[2, M, 8\]/)
    model.disposePreparedTask(prepared)
    tf.dispose([plain, fused, one.states, one.mask, tiled.states, tiled.mask, viaPrepared.encoderStates, viaPrepared.logits, viaTiled.encoderStates, viaTiled.logits])
    hyper.dispose()
  })

  it('saves its fusion blocks with the hypernetwork and loads them back exactly', () => {
    const hyper = trainedLikeFusion(3)
    const dir = mkdtempSync(join(tmpdir(), 'fusion-'))
    hyper.save(dir)
    const loaded = HyperNetwork.load(dir, model.config)
    expect(loaded.config.fusion).toBe('encoder-cross-attention')
    expect(loaded.parameterCount()).toBe(hyper.parameterCount())
    for (const [name, v] of hyper.variables) if (name.startsWith('encoder_fusion.')) expect(maxAbsDiff(v, loaded.variables.get(name)!), name).toBe(0)
    hyper.dispose()
    loaded.dispose()
  })
})
