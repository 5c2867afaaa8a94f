/** Shared helpers for the engine tests. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tf } from '../../../src-main/engine/backend/index.ts'
import type { T5Config } from '../../../src-main/engine/models/t5/index.ts'

export const FIXTURES = join(import.meta.dirname, '../../../../shared/fixtures/t5')

export interface FixtureOutputs {
  encoder_last_hidden_state: number[][][]
  logits: number[][][]
  loss: number
  greedy_max_new_tokens: number
  greedy: number[][]
}

export interface Fixture {
  inputs: { input_ids: number[][]; attention_mask: number[][]; decoder_input_ids: number[][]; labels: number[][] }
  base: FixtureOutputs
  with_lora?: FixtureOutputs
}

export function readFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8')) as Fixture
}

export function fixtureBatch(f: Fixture) {
  return {
    inputIds: tf.tensor2d(f.inputs.input_ids, undefined, 'int32'),
    attentionMask: tf.tensor2d(f.inputs.attention_mask, undefined, 'int32'),
    decoderInputIds: tf.tensor2d(f.inputs.decoder_input_ids, undefined, 'int32'),
    labels: tf.tensor2d(f.inputs.labels, undefined, 'int32'),
  }
}

export function maxAbsDiff(t: tf.Tensor, ref: unknown): number {
  const a = t.dataSync()
  const r = (ref as number[]).flat(Infinity as 1) as number[]
  if (a.length !== r.length) throw new Error(`size ${a.length} vs reference ${r.length}`)
  let max = 0
  for (let i = 0; i < r.length; i++) max = Math.max(max, Math.abs(a[i] - r[i]))
  return max
}

export function maxAbsDiffTensors(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])
}

/** A very small config for gradient and memory tests. */
export function microConfig(overrides: Partial<T5Config> = {}): T5Config {
  return {
    vocabSize: 23,
    dModel: 8,
    dKv: 3,
    numHeads: 2,
    dFf: 12,
    numLayers: 2,
    numDecoderLayers: 2,
    relativeAttentionNumBuckets: 8,
    relativeAttentionMaxDistance: 16,
    layerNormEpsilon: 1e-6,
    feedForwardProj: 'gated-gelu',
    tieWordEmbeddings: false,
    padTokenId: 0,
    eosTokenId: 1,
    decoderStartTokenId: 0,
    dropoutRate: 0.1,
    ...overrides,
  }
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomIds(rand: () => number, rows: number, cols: number, vocab: number, min = 2): tf.Tensor2D {
  const v = new Int32Array(rows * cols)
  for (let i = 0; i < v.length; i++) v[i] = min + Math.floor(rand() * (vocab - min))
  return tf.tensor2d(v, [rows, cols], 'int32')
}
