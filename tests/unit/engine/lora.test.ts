/** LoRA: per-example adapters, B = 0, module ids, PEFT files, errors, instruction-fusion memory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { T5Model } from '../../../src-main/engine/models/t5/index.ts'
import {
  PeftAdapter,
  loraModuleIds,
  setPerExampleMode,
  getPerExampleMode,
  type LoraSet,
  type PerExampleLora,
} from '../../../src-main/engine/models/lora/index.ts'
import { FIXTURES, fixtureBatch, maxAbsDiffTensors, microConfig, readFixture } from './helpers.ts'

const dir = join(FIXTURES, 'tiny-v1_1-lora')
let model: T5Model
let adapter: PeftAdapter

beforeAll(async () => {
  await initBackend()
  model = await T5Model.load(dir)
  adapter = PeftAdapter.load(dir)
})
afterAll(() => {
  model.dispose()
  adapter.dispose()
})

/** The static adapter repeated for every row, as per-example adapters (A_b = Aᵀ, B_b = Bᵀ). */
function asPerExample(set: LoraSet, batch: number): LoraSet {
  const out: LoraSet = new Map()
  for (const [id, l] of set) {
    if (l.kind !== 'static') throw new Error('static expected')
    const A = tf.tile(tf.expandDims(tf.transpose(l.A), 0), [batch, 1, 1]) as tf.Tensor3D
    const B = tf.tile(tf.expandDims(tf.transpose(l.B), 0), [batch, 1, 1]) as tf.Tensor3D
    out.set(id, { kind: 'per-example', A, B, scale: l.scale } satisfies PerExampleLora)
  }
  return out
}

describe('LoRA', () => {
  it('lists PEFT module ids in a fixed order', () => {
    const ids = loraModuleIds(model.config)
    expect(ids.length).toBe(2 * 2 + 3 * 2 * 2)
    expect(ids.slice(0, 4)).toEqual([
      'encoder.block.0.layer.0.SelfAttention.q',
      'encoder.block.0.layer.0.SelfAttention.v',
      'encoder.block.1.layer.0.SelfAttention.q',
      'encoder.block.1.layer.0.SelfAttention.v',
    ])
    expect(ids).toContain('decoder.block.2.layer.0.SelfAttention.v')
    expect(ids.at(-1)).toBe('decoder.block.2.layer.1.EncDecAttention.v')
    expect(new Set(ids)).toEqual(new Set(adapter.modules.keys()))
    expect(loraModuleIds(model.config, ['k', 'o', 'wo'])).toContain('decoder.block.0.layer.2.DenseReluDense.wo')
    expect(() => loraModuleIds(model.config, ['wi'])).toThrow(/'wi'.*gated-gelu/)
  })

  for (const mode of ['block-diagonal', 'batched'] as const) {
    it(`per-example adapters (${mode}) equal the static adapter when every row has the same weights`, async () => {
      const before = getPerExampleMode()
      setPerExampleMode(mode)
      const f = readFixture('tiny-v1_1-lora')
      const batch = fixtureBatch(f)
      const ref = model.forward(batch, { adapters: adapter.toLoraSet() })
      const per = asPerExample(adapter.toLoraSet(), 2)
      const out = model.forward(batch, { adapters: per })
      expect(maxAbsDiffTensors(out.logits, ref.logits)).toBeLessThan(1e-5)
      expect(maxAbsDiffTensors(out.encoderStates, ref.encoderStates)).toBeLessThan(1e-5)
      const greedy = await model.generate(batch, { maxNewTokens: 8, adapters: per })
      expect(greedy).toEqual(f.with_lora!.greedy)
      setPerExampleMode(before)
    })
  }

  it('per-example adapters really differ per row', () => {
    const f = readFixture('tiny-v1_1-lora')
    const batch = fixtureBatch(f)
    const per = asPerExample(adapter.toLoraSet(), 2)
    // Zero row 1's B: row 0 must match the adapted model, row 1 the backbone.
    const mixed: LoraSet = new Map()
    for (const [id, l] of per) {
      const p = l as PerExampleLora
      const keep = tf.tensor3d([1, 0], [2, 1, 1])
      mixed.set(id, { ...p, B: tf.mul(p.B, keep) as tf.Tensor3D })
    }
    const withLora = model.forward(batch, { adapters: adapter.toLoraSet() }).logits
    const base = model.forward(batch).logits
    const out = model.forward(batch, { adapters: mixed }).logits
    const row = (t: tf.Tensor, i: number) => tf.slice(t, [i, 0, 0], [1, -1, -1])
    expect(maxAbsDiffTensors(row(out, 0), row(withLora, 0))).toBeLessThan(1e-5)
    expect(maxAbsDiffTensors(row(out, 1), row(base, 1))).toBe(0)
  })

  it('B = 0 gives the backbone exactly', () => {
    const f = readFixture('tiny-v1_1-lora')
    const batch = fixtureBatch(f)
    const zero: LoraSet = new Map()
    for (const [id, l] of asPerExample(adapter.toLoraSet(), 2)) zero.set(id, { ...(l as PerExampleLora), B: tf.zerosLike((l as PerExampleLora).B) })
    const base = model.forward(batch)
    const out = model.forward(batch, { adapters: zero })
    expect(maxAbsDiffTensors(out.logits, base.logits)).toBe(0)
    const fresh = PeftAdapter.init(model.config, { r: 4, alpha: 8, seed: 3 })
    expect(maxAbsDiffTensors(model.forward(batch, { adapters: fresh.toLoraSet() }).logits, base.logits)).toBe(0)
  })

  it('PEFT adapter save → load round-trips', () => {
    const out = mkdtempSync(join(tmpdir(), 'tagi-lora-'))
    try {
      adapter.save(out)
      const again = PeftAdapter.load(out)
      expect(again.r).toBe(4)
      expect(again.alpha).toBe(8)
      expect(again.targetModules).toEqual(['q', 'v'])
      for (const [id, { A, B }] of adapter.modules) {
        expect(Array.from(again.modules.get(id)!.A.dataSync())).toEqual(Array.from(A.dataSync()))
        expect(Array.from(again.modules.get(id)!.B.dataSync())).toEqual(Array.from(B.dataSync()))
      }
      again.dispose()
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })

  it('an adapter for another architecture is refused with a clear error', async () => {
    const other = PeftAdapter.init(microConfig(), { r: 2, alpha: 4 })
    expect(() => other.checkAgainst(model.config)).toThrow(/lora_A.weight' has shape \[2, 8\], the model needs \[2, 32\]/)
    const f = readFixture('tiny-v1_1-lora')
    expect(() => model.forward(fixtureBatch(f), { adapters: other.toLoraSet() })).toThrow(/LoRA module 'encoder.block.0.layer.0.SelfAttention.q'.*shape/)
    const deeper = PeftAdapter.init(microConfig({ numLayers: 4, dModel: 32, dKv: 8, numHeads: 4 }), { r: 2, alpha: 4 })
    expect(() => deeper.checkAgainst(model.config)).toThrow(/module 'encoder.block.2.layer.0.SelfAttention.q' does not exist/)
    expect(() => model.forward(fixtureBatch(f), { adapters: deeper.toLoraSet() })).toThrow(/does not exist in this model/)
    other.dispose()
    deeper.dispose()
  })

  it('extra cross-attention memory: fully masked extra states change nothing; unmasked ones do', async () => {
    const f = readFixture('tiny-v1_1-lora')
    const batch = fixtureBatch(f)
    const states = tf.randomNormal([2, 5, 32], 0, 1, 'float32', 7) as tf.Tensor3D
    const base = model.forward(batch)
    const masked = model.forward(batch, { extraMemory: { states, mask: tf.zeros([2, 5]) } })
    // Not bit-identical: the longer memory changes the matMul summation order.
    expect(maxAbsDiffTensors(masked.logits, base.logits)).toBeLessThan(1e-5)
    const fused = model.forward(batch, { extraMemory: { states, mask: tf.ones([2, 5]) } })
    expect(maxAbsDiffTensors(fused.logits, base.logits)).toBeGreaterThan(1e-3)
    // The encoder output itself is unchanged by the extra memory.
    expect(maxAbsDiffTensors(fused.encoderStates, base.encoderStates)).toBe(0)
    // Generation accepts it too, and fully masked extra memory gives the base tokens.
    const g = await model.generate(batch, { maxNewTokens: 8, extraMemory: { states, mask: tf.zeros([2, 5]) } })
    expect(g).toEqual(f.base.greedy)
    expect(() => model.forward(batch, { extraMemory: { states, mask: tf.ones([2, 4]) } })).toThrow(/extraMemory.mask should have shape \[2, 5\]/)
  })
})
