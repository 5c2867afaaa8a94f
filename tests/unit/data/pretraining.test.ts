// Pretraining examples: T5 span corruption, the HINT a | b | c split, prefix LM, and the corpus of a dataset.
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  corpusFromTasks,
  datasetCorpus,
  prefixLm,
  randomSpansNoiseMask,
  spanCorrupt,
  splitAbc,
} from '../../../src-main/engine/data/pretraining.ts'
import { Rng } from '../../../src-main/engine/data/random.ts'
import { loadDataset, tasksOf } from '../../../src-main/engine/data/sni/loader.ts'

const EOS = 1
const VOCAB = 1000
const sentinelId = (i: number): number => VOCAB - 1 - i // T5: <extra_id_i> = vocab_size - 1 - i
const isSentinel = (id: number): boolean => id >= VOCAB - 100
const tokens = (n: number, offset = 10): number[] => Array.from({ length: n }, (_, i) => offset + (i % 500))
const config = { eosId: EOS, sentinelId, noiseDensity: 0.15, meanNoiseSpanLength: 3 }

/** Undo span corruption: put each sentinel's target span back in place of the sentinel in the inputs. */
function reconstruct(inputs: number[], targets: number[]): number[] {
  const spans = new Map<number, number[]>()
  let current: number[] | null = null
  for (const id of targets.slice(0, -1)) {
    if (isSentinel(id)) spans.set(id, (current = []))
    else current!.push(id)
  }
  return inputs.slice(0, -1).flatMap((id) => (isSentinel(id) ? spans.get(id)! : [id]))
}

describe('T5 span corruption', () => {
  it('masks round(15%) of the tokens in round(noise/3) spans (numpy half-to-even rounding)', () => {
    const rng = new Rng(1)
    for (const [length, noise, spans] of [[100, 15, 5], [568, 85, 28], [30, 4, 1], [10, 2, 1], [2, 1, 1]] as const) {
      const mask = randomSpansNoiseMask(length, rng, 0.15, 3)
      expect(mask).toHaveLength(length)
      expect(mask.filter(Boolean)).toHaveLength(noise)
      const starts = mask.filter((m, i) => m && !mask[i - 1]).length
      expect(starts).toBe(spans)
      expect(mask[0]).toBe(false) // starts with a kept span
      expect(mask[length - 1]).toBe(true) // ends with a noise span
    }
  })

  it('replaces spans by ordered sentinels, keeps lengths consistent and is reconstructable', () => {
    const rng = new Rng(42)
    for (let trial = 0; trial < 200; trial++) {
      const n = rng.int(2, 300)
      const t = tokens(n)
      const { inputs, targets } = spanCorrupt(t, rng, config)
      expect(inputs.at(-1)).toBe(EOS)
      expect(targets.at(-1)).toBe(EOS)
      const inSentinels = inputs.filter(isSentinel)
      const outSentinels = targets.filter(isSentinel)
      expect(inSentinels).toEqual(Array.from({ length: inSentinels.length }, (_, i) => sentinelId(i)))
      expect(outSentinels).toEqual(inSentinels)
      expect(isSentinel(targets[0]!)).toBe(true)
      const noise = targets.length - 1 - outSentinels.length
      expect(inputs.length - 1 - inSentinels.length).toBe(n - noise)
      expect(reconstruct(inputs, targets)).toEqual(t)
    }
  })

  it('is deterministic from the seed and has mean span length near 3', () => {
    const a = spanCorrupt(tokens(200), new Rng(5), config)
    const b = spanCorrupt(tokens(200), new Rng(5), config)
    const c = spanCorrupt(tokens(200), new Rng(6), config)
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    let noise = 0
    let spans = 0
    const rng = new Rng(9)
    for (let i = 0; i < 50; i++) {
      const mask = randomSpansNoiseMask(500, rng, 0.15, 3)
      noise += mask.filter(Boolean).length
      spans += mask.filter((m, j) => m && !mask[j - 1]).length
    }
    expect(noise / spans).toBeCloseTo(3, 0)
    expect(() => spanCorrupt([5], new Rng(0), config)).toThrow(/at least 2 tokens/)
  })
})

describe('hypernetwork pretraining split a | b | c (tagi-method.md §3.2)', () => {
  const abc = { eosId: EOS, maxSequenceTokens: 1024, maxPartTokens: 512 }

  it('cuts t into a (non-empty), b (may be empty) and c (>= 3 tokens) that concatenate back to t', () => {
    const rng = new Rng(3)
    const seenS1 = new Set<number>()
    let emptyB = 0
    for (let trial = 0; trial < 2000; trial++) {
      const n = rng.int(4, 40)
      const t = tokens(n)
      const { hyperInput, encoderInput, target } = splitAbc(t, rng, abc)
      for (const part of [hyperInput, encoderInput, target]) expect(part.at(-1)).toBe(EOS)
      const [a, b, c] = [hyperInput, encoderInput, target].map((p) => p.slice(0, -1))
      expect([...a!, ...b!, ...c!]).toEqual(t)
      expect(a!.length).toBeGreaterThanOrEqual(1)
      expect(c!.length).toBeGreaterThanOrEqual(3) // s2 < n - 2
      if (b!.length === 0) emptyB++
      if (n === 10) seenS1.add(a!.length)
    }
    expect([...seenS1].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]) // s1 ~ UniformInt[1, n-2)
    expect(emptyB).toBeGreaterThan(0)
  })

  it('caps the sequence and each part, and refuses sequences too short to split', () => {
    const { hyperInput, encoderInput, target } = splitAbc(tokens(3000), new Rng(1), { eosId: EOS, maxSequenceTokens: 100, maxPartTokens: 20 })
    expect(hyperInput.length + encoderInput.length + target.length).toBeLessThanOrEqual(60)
    for (const part of [hyperInput, encoderInput, target]) expect(part.length).toBeLessThanOrEqual(20)
    expect(() => splitAbc([1, 2, 3], new Rng(0), abc)).toThrow(/at least 4 tokens, found 3/)
    expect(splitAbc(tokens(50), new Rng(8), abc)).toEqual(splitAbc(tokens(50), new Rng(8), abc))
  })
})

describe('prefix LM and the dataset corpus', () => {
  it('splits at a uniform point with both sides non-empty', () => {
    const rng = new Rng(4)
    const t = tokens(12)
    const points = new Set<number>()
    for (let i = 0; i < 500; i++) {
      const { inputs, targets } = prefixLm(t, rng, { eosId: EOS })
      expect([...inputs.slice(0, -1), ...targets.slice(0, -1)]).toEqual(t)
      points.add(inputs.length - 1)
    }
    expect([...points].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
  })

  it('collects distinct texts of the training tasks only, unless asked', async () => {
    const dataset = await loadDataset(resolve(__dirname, '../../../../shared/data/sni/sample'))
    const train = datasetCorpus(dataset)
    const all = datasetCorpus(dataset, { includeTestTasks: true })
    expect(new Set(train).size).toBe(train.length)
    expect(all.length).toBeGreaterThan(train.length)
    const testInput = tasksOf(dataset, 'test')[0]!.instances[0]!.input.trim()
    expect(all).toContain(testInput)
    expect(train).not.toContain(testInput)
    expect(corpusFromTasks(tasksOf(dataset, 'train'))).toEqual(train)
  })
})
