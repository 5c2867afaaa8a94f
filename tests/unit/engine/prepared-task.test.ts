/**
 * A task's shared conditioning prepared once (models/t5/prepared.ts): the adapter merged into weight copies
 * or applied as static LoRAs, and the instruction's cross-attention keys/values projected once, must give the
 * same logits and tokens as the per-example path that tiles adapter and memory to every batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { PeftAdapter, loraModuleIds, mergedWeights, moduleDims, type LoraSet, type PerExampleLora } from '../../../src-main/engine/models/lora/index.ts'
import { T5Model, repeatRows, t5Preset, type ExtraMemory } from '../../../src-main/engine/models/t5/index.ts'
import { cacheMemory, crossMemoryKeyValues } from '../../../src-main/engine/models/t5/memory.ts'
import { FIXTURES, fixtureBatch, maxAbsDiff, maxAbsDiffTensors, readFixture } from './helpers.ts'

const dir = join(FIXTURES, 'tiny-v1_1-lora')
let model: T5Model
let adapter: PeftAdapter
/** The fixture's static adapter as the hypernetwork hands it over: per-example with batch 1. */
let shared: LoraSet
/** Instruction states (1, 6, d) with 4 real positions. */
let memory: ExtraMemory

beforeAll(async () => {
  await initBackend()
  model = await T5Model.load(dir)
  adapter = PeftAdapter.load(dir)
  shared = new Map()
  for (const [id, l] of adapter.toLoraSet()) {
    if (l.kind !== 'static') throw new Error('static expected')
    // Doubled scale, so the adapter's effect is clearly visible in the logits.
    const A = tf.expandDims(tf.transpose(l.A), 0) as tf.Tensor3D // (1, in, r)
    const B = tf.expandDims(tf.transpose(l.B), 0) as tf.Tensor3D // (1, r, out)
    shared.set(id, { kind: 'per-example', A, B, scale: 2 * l.scale } satisfies PerExampleLora)
  }
  memory = {
    states: tf.randomNormal([1, 6, model.config.dModel], 0, 1, 'float32', 11) as tf.Tensor3D,
    mask: tf.tensor2d([[1, 1, 1, 1, 0, 0]]),
  }
})
afterAll(() => {
  model.dispose()
  adapter.dispose()
  for (const l of shared.values()) tf.dispose([l.A, l.B])
  tf.dispose([memory.states, memory.mask])
})

/** The per-example path: adapter and memory tiled to the batch (eval/conditioning.ts `conditioningForBatch`). */
function tiled(batch: number): { adapters: LoraSet; extraMemory: ExtraMemory } {
  const adapters: LoraSet = new Map()
  for (const [id, l] of shared) adapters.set(id, { ...l, A: repeatRows(l.A as tf.Tensor3D, batch), B: repeatRows(l.B as tf.Tensor3D, batch) } as PerExampleLora)
  return { adapters, extraMemory: { states: repeatRows(memory.states, batch), mask: repeatRows(memory.mask, batch) } }
}

function snapshot(): Map<string, Float32Array> {
  return new Map([...model.weights()].map(([k, v]) => [k, v.dataSync() as Float32Array]))
}

describe('prepared task conditioning', () => {
  it('on the tiny preset: merged, static and per-example adapters give the same logits (1e-5) and tokens', async () => {
    // A randomly initialised tiny preset with an adapter of the hypernetwork's scale (ΔW well below W).
    const tiny = T5Model.init(t5Preset('tiny', 96), 3)
    const adapters: LoraSet = new Map()
    loraModuleIds(tiny.config).forEach((id, i) => {
      const dims = moduleDims(tiny.config, id)
      const A = tf.randomNormal([1, dims.in, 4], 0, dims.in ** -0.5, 'float32', 100 + i) as tf.Tensor3D
      const B = tf.randomNormal([1, 4, dims.out], 0, 0.1, 'float32', 200 + i) as tf.Tensor3D
      adapters.set(id, { kind: 'per-example', A, B, scale: 2 })
    })
    const extra = { states: tf.randomNormal([1, 7, tiny.config.dModel], 0, 1, 'float32', 5) as tf.Tensor3D, mask: tf.tensor2d([[1, 1, 1, 1, 1, 0, 0]]) }
    const inputIds = tf.tensor2d([[5, 9, 23, 41, 7, 1], [17, 3, 88, 1, 0, 0], [60, 1, 0, 0, 0, 0]], undefined, 'int32')
    const attentionMask = tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]], undefined, 'int32')
    const batch = { inputIds, attentionMask, decoderInputIds: tf.tensor2d([[0, 12, 30, 4], [0, 8, 8, 2], [0, 70, 1, 0]], undefined, 'int32') }
    const perExample: LoraSet = new Map([...adapters].map(([id, l]) => [id, { ...l, A: repeatRows(l.A as tf.Tensor3D, 3), B: repeatRows(l.B as tf.Tensor3D, 3) } as PerExampleLora]))
    const tiledMemory = { states: repeatRows(extra.states, 3), mask: repeatRows(extra.mask, 3) }
    const reference = tiny.forward(batch, { adapters: perExample, extraMemory: tiledMemory })
    const plain = tiny.forward(batch)
    expect(maxAbsDiffTensors(reference.logits, plain.logits)).toBeGreaterThan(1e-2) // the conditioning matters
    const referenceTokens = await tiny.generate({ inputIds, attentionMask }, { maxNewTokens: 6, adapters: perExample, extraMemory: tiledMemory })
    for (const mode of ['merged', 'static'] as const) {
      const prepared = tiny.prepareTask({ adapters, extraMemory: extra }, mode)
      const out = tiny.forward(batch, { prepared })
      expect(maxAbsDiffTensors(out.logits, reference.logits), mode).toBeLessThan(1e-5)
      expect(await tiny.generate({ inputIds, attentionMask }, { maxNewTokens: 6, prepared }), mode).toEqual(referenceTokens)
      tiny.disposePreparedTask(prepared)
      tf.dispose([out.logits, out.encoderStates])
    }
    tf.dispose([reference.logits, reference.encoderStates, plain.logits, plain.encoderStates, inputIds, attentionMask, batch.decoderInputIds, extra.states, extra.mask])
    tf.dispose([tiledMemory.states, tiledMemory.mask])
    for (const l of [...adapters.values(), ...perExample.values()]) tf.dispose([l.A, l.B])
    tiny.dispose()
  })

  it('on the fixture: static and cached memory are exact; merged stays within the fixture\'s float64 tolerance', async () => {
    const f = readFixture('tiny-v1_1-lora')
    const batch = fixtureBatch(f)
    const n = batch.inputIds.shape[0]
    const perExample = tiled(n)
    const reference = model.forward(batch, perExample)
    const referenceTokens = await model.generate(batch, { maxNewTokens: 8, ...perExample })
    const weightsBefore = snapshot()
    const staticTask = model.prepareTask({ adapters: shared, extraMemory: memory }, 'static')
    const staticOut = model.forward(batch, { prepared: staticTask })
    expect(maxAbsDiffTensors(staticOut.logits, reference.logits)).toBeLessThan(1e-5)
    expect(await model.generate(batch, { maxNewTokens: 8, prepared: staticTask })).toEqual(referenceTokens)
    model.disposePreparedTask(staticTask)
    const mergedTask = model.prepareTask({ adapters: shared, extraMemory: memory }, 'merged')
    expect(await model.generate(batch, { maxNewTokens: 8, prepared: mergedTask })).toEqual(referenceTokens)
    model.disposePreparedTask(mergedTask)
    // This fixture's adapter is as large as its weights (|ΔW| 1.3 against |W| 1.8), so merging moves the float32
    // rounding by ~1e-4 in the logits: checked, at the real scale, against the float64 reference (tolerance
    // t5-fixtures.test.ts's merged one), as merging the adapter into the model itself is.
    const fixtureScale = new Map([...shared].map(([id, l]) => [id, { ...l, scale: l.scale / 2 }]))
    const atScale = model.prepareTask({ adapters: fixtureScale }, 'merged')
    const mergedOut = model.forward(batch, { prepared: atScale })
    expect(maxAbsDiff(mergedOut.logits, f.with_lora!.logits)).toBeLessThan(5e-4)
    model.disposePreparedTask(atScale)
    // Merging works on copies: the backbone's own weights are bit-for-bit what they were.
    for (const [k, v] of snapshot()) expect(v, k).toEqual(weightsBefore.get(k))
    tf.dispose([reference.logits, reference.encoderStates, staticOut.logits, staticOut.encoderStates, mergedOut.logits, mergedOut.encoderStates])
  })

  it('merged weights equal W + scale·A·B, for batch-1 per-example and static adapters alike', () => {
    const id = 'decoder.block.1.layer.1.EncDecAttention.v'
    const lora = shared.get(id)! as PerExampleLora
    const w = model.weights().get(`${id}.weight`)!
    const [merged] = [...mergedWeights(model.weights(), new Map([[id, lora]])).values()]
    const expected = tf.tidy(() => tf.add(w, tf.mul(tf.matMul(tf.squeeze(lora.A, [0]), tf.squeeze(lora.B, [0])), lora.scale)))
    expect(maxAbsDiffTensors(merged!, expected)).toBeLessThan(1e-6)
    const staticLora = adapter.toLoraSet().get(id)!
    const [fromStatic] = [...mergedWeights(model.weights(), new Map([[id, { ...staticLora, scale: lora.scale }]])).values()]
    expect(maxAbsDiffTensors(fromStatic!, expected)).toBeLessThan(1e-6)
    tf.dispose([merged!, expected, fromStatic!])
  })

  it('instruction keys/values cached once per task equal the ones recomputed for every batch', () => {
    const f = readFixture('tiny-v1_1-lora')
    const batch = fixtureBatch(f)
    const n = batch.inputIds.shape[0]
    const ctx = { config: model.config, weights: model.weights() as Map<string, tf.Tensor>, training: false }
    const encoded = model.encode(batch.inputIds, batch.attentionMask)
    const extra = { states: repeatRows(memory.states, n), mask: repeatRows(memory.mask, n) }
    const recomputed = crossMemoryKeyValues(ctx, encoded, batch.attentionMask, extra)
    const cache = cacheMemory(ctx, memory)
    const cached = crossMemoryKeyValues(ctx, encoded, batch.attentionMask, undefined, cache)
    expect(cached.mask.shape).toEqual([n, 6 + batch.inputIds.shape[1]])
    expect(maxAbsDiffTensors(cached.mask, recomputed.mask)).toBe(0)
    recomputed.cross.forEach((kv, l) => {
      expect(cached.cross[l]!.key.shape).toEqual(kv.key.shape)
      expect(maxAbsDiffTensors(cached.cross[l]!.key, kv.key)).toBeLessThan(1e-5)
      expect(maxAbsDiffTensors(cached.cross[l]!.value, kv.value)).toBeLessThan(1e-5)
    })
    tf.dispose([encoded, extra.states, extra.mask, cache.mask, cached.mask, recomputed.mask])
    for (const kv of [...recomputed.cross, ...cached.cross, ...cache.keyValues]) tf.dispose([kv.key, kv.value])
  })

  it('frees every tensor it creates', async () => {
    const f = readFixture('tiny-v1_1-lora')
    const batch = fixtureBatch(f)
    const prepared0 = model.prepareTask({ adapters: shared, extraMemory: memory })
    await model.generate(batch, { maxNewTokens: 2, prepared: prepared0 }) // warm-up
    model.disposePreparedTask(prepared0)
    const before = tf.memory().numTensors
    for (const mode of ['merged', 'static'] as const) {
      const prepared = model.prepareTask({ adapters: shared, extraMemory: memory }, mode)
      await model.generate(batch, { maxNewTokens: 3, prepared })
      model.disposePreparedTask(prepared)
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('refuses ambiguous or misshapen conditioning with a clear error', () => {
    const f = readFixture('tiny-v1_1-lora')
    const batch = fixtureBatch(f)
    const prepared = model.prepareTask({ extraMemory: memory })
    expect(() => model.forward(batch, { prepared, extraMemory: memory })).toThrow(/either `prepared` or `adapters`\/`extraMemory`/)
    const other = T5Model.init({ ...model.config }, 1) // same shapes, another model
    expect(() => other.forward(batch, { prepared })).toThrow(/prepared for another model/)
    other.dispose()
    model.disposePreparedTask(prepared)
    const id = 'encoder.block.0.layer.0.SelfAttention.q'
    const two = shared.get(id)! as PerExampleLora
    const wide: PerExampleLora = { ...two, A: repeatRows(two.A, 2), B: repeatRows(two.B, 2) }
    expect(() => model.prepareTask({ adapters: new Map([[id, wide]]) })).toThrow(/'encoder.block.0.layer.0.SelfAttention.q'.*per-example A/)
    const states2 = repeatRows(memory.states, 2)
    expect(() => model.prepareTask({ extraMemory: { states: states2, mask: memory.mask } })).toThrow(/extraMemory.states should have shape \[1, M, 32\]/)
    expect(() => model.prepareTask({}, 'per-example' as never)).toThrow(/unknown adapter mode 'per-example'/)
    tf.dispose([wide.A, wide.B, states2])
  })
})
