/** ΔW geometry from LoRA factors: the trace identity against dense ΔW, cosines, norms, ranks, layouts. */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { Rng } from '../../../src-main/engine/data/random.ts'
import {
  cosineSimilarity,
  denseDelta,
  frobeniusNorm,
  innerProduct,
  lowRankUpdate,
  normRatio,
  type LowRankUpdate,
} from '../../../src-main/engine/analysis/index.ts'
import { frobeniusDot } from '../../../src-main/engine/analysis/linalg.ts'
import { maxAbsDiff, randomMatrix, randomUpdate } from './helpers.ts'

beforeAll(async () => {
  await initBackend()
})

/** The same ΔW written with rank r + extra: zero rows of A / columns of B appended, and B·A unchanged. */
function padRank(u: LowRankUpdate, extra: number, rng: Rng): LowRankUpdate {
  const r = u.A.rows
  const inDim = u.A.cols
  const out = u.B.rows
  const A = { rows: r + extra, cols: inDim, data: new Float64Array((r + extra) * inDim) }
  A.data.set(u.A.data)
  const B = randomMatrix(rng, out, r + extra) // the extra columns of B meet zero rows of A: no contribution
  for (let o = 0; o < out; o++) for (let j = 0; j < r; j++) B.data[o * (r + extra) + j] = u.B.data[o * r + j]!
  return { A, B, scale: u.scale }
}

function negate(u: LowRankUpdate): LowRankUpdate {
  return { ...u, B: { ...u.B, data: u.B.data.map((x) => -x) } }
}

describe('ΔW geometry', () => {
  it('computes ⟨ΔW₁, ΔW₂⟩_F and ‖ΔW‖_F from r × r products exactly as the dense ΔW does, ranks differing', () => {
    const rng = new Rng(1)
    for (const [out, inDim, r1, r2, s1, s2] of [[12, 9, 3, 5, 2, 0.5], [7, 20, 4, 4, 1, -1.5], [5, 6, 8, 2, 0.25, 4]] as const) {
      const u = randomUpdate(rng, out, inDim, r1, s1)
      const v = randomUpdate(rng, out, inDim, r2, s2)
      const du = denseDelta(u)
      const dv = denseDelta(v)
      expect([du.rows, du.cols]).toEqual([out, inDim])
      const dense = frobeniusDot(du, dv)
      expect(Math.abs(innerProduct(u, v) - dense)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(dense)))
      const denseNorm = Math.sqrt(frobeniusDot(du, du))
      expect(Math.abs(frobeniusNorm(u) - denseNorm)).toBeLessThanOrEqual(1e-12 * denseNorm)
      const denseCos = dense / (denseNorm * Math.sqrt(frobeniusDot(dv, dv)))
      expect(Math.abs(cosineSimilarity(u, v)! - denseCos)).toBeLessThanOrEqual(1e-12)
    }
  })

  it('gives cosine 1 for the same update, −1 for its negation, ~0 for independent high-dimensional ones', () => {
    const rng = new Rng(2)
    const u = randomUpdate(rng, 256, 256, 8, 2)
    expect(cosineSimilarity(u, u)).toBeCloseTo(1, 12)
    expect(cosineSimilarity(u, negate(u))).toBeCloseTo(-1, 12)
    // Independent rank-8 updates in 256 × 256: cos has standard deviation ≈ 1/256 (ΔW entries nearly independent).
    const cosines = Array.from({ length: 6 }, () => cosineSimilarity(randomUpdate(rng, 256, 256, 8), randomUpdate(rng, 256, 256, 8))!)
    for (const c of cosines) expect(Math.abs(c)).toBeLessThan(0.05)
  })

  it('sees through reparametrisations: rescaled factors, another scale, padded rank', () => {
    const rng = new Rng(3)
    const u = randomUpdate(rng, 10, 14, 3, 2)
    // (c·B)·(A/c) with scale s, and B·A with scale 2s: same ΔW and twice ΔW.
    const rescaled: LowRankUpdate = { A: { ...u.A, data: u.A.data.map((x) => x / 4) }, B: { ...u.B, data: u.B.data.map((x) => x * 4) }, scale: u.scale }
    expect(cosineSimilarity(u, rescaled)).toBeCloseTo(1, 12)
    expect(normRatio(u, rescaled)).toBeCloseTo(1, 12)
    const doubled: LowRankUpdate = { ...u, scale: 2 * u.scale }
    expect(cosineSimilarity(u, doubled)).toBeCloseTo(1, 12)
    expect(normRatio(doubled, u)).toBeCloseTo(2, 12)
    expect(normRatio(u, doubled)).toBeCloseTo(0.5, 12)
    const padded = padRank(u, 5, rng)
    expect(padded.A.rows).toBe(8)
    expect(maxAbsDiff(denseDelta(padded).data, denseDelta(u).data)).toBeLessThan(1e-12)
    expect(cosineSimilarity(u, padded)).toBeCloseTo(1, 12)
    expect(normRatio(padded, u)).toBeCloseTo(1, 12)
  })

  it('returns null cosine / ratio for a zero update and names the module when shapes differ', () => {
    const rng = new Rng(4)
    const u = randomUpdate(rng, 6, 5, 2)
    const zero: LowRankUpdate = { ...u, B: { ...u.B, data: new Float64Array(u.B.data.length) } }
    expect(frobeniusNorm(zero)).toBe(0)
    expect(cosineSimilarity(u, zero)).toBeNull()
    expect(normRatio(u, zero)).toBeNull()
    expect(normRatio(zero, u)).toBe(0)
    expect(() => innerProduct(u, randomUpdate(rng, 6, 7, 2), 'encoder.block.0.layer.0.SelfAttention.q')).toThrow(
      /module 'encoder\.block\.0\.layer\.0\.SelfAttention\.q': ΔW shapes differ, \[6, 5\].*vs \[6, 7\]/,
    )
  })

  it('reads static and one-row per-example LoRAs into the same ΔW, and refuses a batch of several', () => {
    const rng = new Rng(5)
    const u = randomUpdate(rng, 6, 4, 3, 1.5)
    const A = tf.tensor2d(Float32Array.from(u.A.data), [3, 4])
    const B = tf.tensor2d(Float32Array.from(u.B.data), [6, 3])
    const fromStatic = lowRankUpdate('m', { kind: 'static', A, B, scale: 1.5 })
    const perA = tf.expandDims(tf.transpose(A), 0) as tf.Tensor3D // (1, in, r)
    const perB = tf.expandDims(tf.transpose(B), 0) as tf.Tensor3D // (1, r, out)
    const fromPerExample = lowRankUpdate('m', { kind: 'per-example', A: perA, B: perB, scale: 1.5 })
    expect(maxAbsDiff(denseDelta(fromPerExample).data, denseDelta(fromStatic).data)).toBeLessThan(1e-12)
    expect(maxAbsDiff(denseDelta(fromStatic).data, denseDelta(u).data)).toBeLessThan(1e-5) // float32 storage
    const twoA = tf.concat([perA, perA]) as tf.Tensor3D
    const twoB = tf.concat([perB, perB]) as tf.Tensor3D
    expect(() => lowRankUpdate('dec.q', { kind: 'per-example', A: twoA, B: twoB, scale: 1 })).toThrow(/module 'dec\.q': a per-example adapter must hold one row.*batch 2/)
    tf.dispose([A, B, perA, perB, twoA, twoB])
  })
})
