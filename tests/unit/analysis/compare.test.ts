/** compareAdapters and rankNearest on PEFT adapters and in-memory LoRA sets of the fixture architecture. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join, resolve } from 'node:path'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { PeftAdapter, type LoraSet } from '../../../src-main/engine/models/lora/index.ts'
import { t5ConfigFromHf, type T5Config } from '../../../src-main/engine/models/t5/config.ts'
import { compareAdapters, modulePosition, rankNearest } from '../../../src-main/engine/analysis/index.ts'
import { readFileSync } from 'node:fs'

const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/t5/tiny-v1_1-lora')
let config: T5Config
let teacher: PeftAdapter

/** A PEFT adapter with random A and random (not zero) B, so its ΔW is non-zero. */
function randomAdapter(c: T5Config, seed: number, r = 4, alpha = 8, targets?: ('q' | 'v' | 'k')[]): PeftAdapter {
  const adapter = PeftAdapter.init(c, { r, alpha, seed, targets })
  let i = 0
  for (const m of adapter.modules.values()) {
    m.B.dispose()
    m.B = tf.randomNormal(m.B.shape, 0, 1, 'float32', seed * 7919 + i++)
  }
  return adapter
}

/** The teacher with every B scaled by `factor` (ΔW scaled by factor), as an in-memory LoRA set. */
function scaledSet(adapter: PeftAdapter, factor: number): LoraSet {
  const set: LoraSet = new Map()
  for (const [id, { A, B }] of adapter.modules) set.set(id, { kind: 'static', A, B: tf.mul(B, factor) as tf.Tensor2D, scale: adapter.scale })
  return set
}

beforeAll(async () => {
  await initBackend()
  config = t5ConfigFromHf(JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>)
  teacher = PeftAdapter.load(FIXTURE)
})
afterAll(() => teacher.dispose())

describe('compareAdapters', () => {
  it('gives cosine 1 and ratio 1 with itself, −1 and the factor for a scaled negation, per module and overall', () => {
    const self = compareAdapters(teacher, teacher)
    expect(self.modules).toHaveLength(16)
    for (const m of self.modules) {
      expect(m.cosine).toBeCloseTo(1, 10)
      expect(m.normRatio).toBeCloseTo(1, 12)
      expect(m.spectrumA).toEqual(m.spectrumB)
      expect(m.spectrumA).toHaveLength(4)
    }
    expect(self.summary.meanCosine).toBeCloseTo(1, 10)
    expect(self.summary.globalCosine).toBeCloseTo(1, 10)
    const negated = compareAdapters(teacher, scaledSet(teacher, -2))
    for (const m of negated.modules) {
      expect(m.cosine).toBeCloseTo(-1, 6) // float32 factors
      expect(m.normRatio).toBeCloseTo(0.5, 6)
    }
    expect(negated.summary.weightedCosine).toBeCloseTo(-1, 6)
    expect(negated.summary.normRatio).toBeCloseTo(0.5, 6)
    expect(JSON.parse(JSON.stringify(negated))).toEqual(negated) // plain JSON throughout
  })

  it('places modules in the engine order and lays them out as a stack × layer by q/v grid', () => {
    const result = compareAdapters(teacher, randomAdapter(config, 3))
    expect(result.modules.slice(0, 2).map((m) => [m.stack, m.layer, m.target])).toEqual([['encoder-self', 0, 'q'], ['encoder-self', 0, 'v']])
    expect(result.modules.at(-1)).toMatchObject({ id: 'decoder.block.2.layer.1.EncDecAttention.v', stack: 'decoder-cross', layer: 2, target: 'v' })
    const { grid } = result
    expect(grid.columns).toEqual(['q', 'v'])
    expect(grid.rows.map((r) => r.label)).toEqual(['encoder-self 0', 'encoder-self 1', ...[0, 1, 2].map((l) => `decoder-self ${l}`), ...[0, 1, 2].map((l) => `decoder-cross ${l}`)])
    const cell = result.modules.find((m) => m.id === 'decoder.block.1.layer.0.SelfAttention.v')!
    expect(grid.ids[3]![1]).toBe(cell.id)
    expect(grid.values.cosine[3]![1]).toBe(cell.cosine)
    expect(grid.values.normRatio[3]![1]).toBe(cell.normRatio)
    // A random adapter is nearly orthogonal to the teacher (32-dim modules: |cos| ≲ 3/√(32·32)).
    expect(Math.abs(result.summary.meanCosine!)).toBeLessThan(0.1)
    expect(result.summary.minCosine!.value).toBeLessThanOrEqual(result.summary.maxCosine!.value)
  })

  it('compares adapters of different ranks through their updates', () => {
    const r8 = randomAdapter(config, 4, 8, 16)
    const result = compareAdapters(teacher, r8)
    expect(result.modules.every((m) => m.rankA === 4 && m.rankB === 8 && m.spectrumB.length === 8)).toBe(true)
    // The same updates re-expressed at rank 8: A padded with zero rows, B with random columns they never meet.
    const padded: LoraSet = new Map()
    for (const [id, { A, B }] of teacher.modules) {
      const A8 = tf.concat([A, tf.zeros([4, A.shape[1]])]) as tf.Tensor2D
      const B8 = tf.concat([B, tf.randomNormal([B.shape[0], 4])], 1) as tf.Tensor2D
      padded.set(id, { kind: 'static', A: A8, B: B8, scale: teacher.scale * 2 }) // ΔW doubled
    }
    const same = compareAdapters(teacher, padded)
    for (const m of same.modules) {
      expect(m.cosine).toBeCloseTo(1, 6)
      expect(m.normRatio).toBeCloseTo(0.5, 6)
      expect(m.spectrumB.slice(4).every((s) => s < 1e-5 * m.spectrumB[0]!)).toBe(true)
    }
  })

  it('names the module and shapes when architectures differ, and the module when sets differ', () => {
    const wider = randomAdapter({ ...config, dModel: 40 }, 5)
    expect(() => compareAdapters(teacher, wider)).toThrow(/module 'encoder\.block\.0\.layer\.0\.SelfAttention\.q': ΔW shapes differ, \[32, 32\].*vs \[32, 40\]/)
    const deeper = randomAdapter({ ...config, numLayers: 3 }, 6)
    expect(() => compareAdapters(teacher, deeper)).toThrow(/module 'encoder\.block\.2\.layer\.0\.SelfAttention\.q' is in adapter B but not in adapter A \(0 module\(s\) only in A, 2 only in B\)/)
    const shared = compareAdapters(teacher, deeper, { modules: 'shared' })
    expect(shared.modules).toHaveLength(16)
    expect(shared.onlyInB).toEqual(['encoder.block.2.layer.0.SelfAttention.q', 'encoder.block.2.layer.0.SelfAttention.v'])
    const qkv = randomAdapter(config, 7, 4, 8, ['q', 'k', 'v'])
    expect(compareAdapters(qkv, teacher, { modules: 'shared' }).onlyInA).toHaveLength(8)
    expect(() => compareAdapters(teacher, teacher, { modules: 'some' as 'same' })).toThrow(/'modules' must be 'same' or 'shared', found 'some'/)
    expect(() => modulePosition('encoder.layers.0.attn.q_proj')).toThrow(/'encoder\.layers\.0\.attn\.q_proj' is not a T5 LoRA module path/)
  })
})

describe('rankNearest', () => {
  it('ranks the teacher first among random adapters for a noisy copy of it, by the metric it names', () => {
    // The fixture's B entries have std ≈ 0.3; noise of std 0.15 leaves cos ≈ 1/√(1 + 0.25) ≈ 0.9 per module.
    const noisy: LoraSet = new Map()
    for (const [id, { A, B }] of teacher.modules) {
      noisy.set(id, { kind: 'static', A, B: tf.add(B, tf.randomNormal(B.shape, 0, 0.15, 'float32', 99)) as tf.Tensor2D, scale: teacher.scale })
    }
    const candidates = [
      { name: 'random-1', adapter: randomAdapter(config, 11) },
      { name: 'teacher', adapter: teacher },
      { name: 'random-2', adapter: randomAdapter(config, 12) },
    ]
    const result = rankNearest(noisy, candidates)
    expect(result.metric).toBe('meanCosine')
    expect(result.ranking.map((e) => e.rank)).toEqual([1, 2, 3])
    expect(result.ranking[0]!.name).toBe('teacher')
    expect(result.ranking[0]!.meanCosine!).toBeGreaterThan(0.75)
    expect(result.ranking[0]!.meanCosine!).toBeGreaterThan(result.ranking[1]!.meanCosine!)
    expect(result.ranking[1]!.meanCosine!).toBeGreaterThanOrEqual(result.ranking[2]!.meanCosine!)
    const byGlobal = rankNearest(noisy, candidates, { metric: 'globalCosine' })
    expect(byGlobal.metric).toBe('globalCosine')
    expect(byGlobal.ranking[0]!.name).toBe('teacher')
    expect(() => rankNearest(noisy, candidates, { metric: 'median' as 'meanCosine' })).toThrow(/unknown metric 'median'/)
    expect(() => rankNearest(noisy, [{ name: 'wide', adapter: randomAdapter({ ...config, dModel: 40 }, 13) }])).toThrow(/candidate 'wide': module '.*': ΔW shapes differ/)
  })
})
