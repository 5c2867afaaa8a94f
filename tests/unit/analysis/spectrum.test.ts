/** Singular values of ΔW = scale·B·A from the small QR core, against known spectra and dense references. */
import { describe, expect, it } from 'vitest'
import { Rng } from '../../../src-main/engine/data/random.ts'
import { deltaSpectrum, denseDelta, effectiveRank, householderR, singularValues, type LowRankUpdate } from '../../../src-main/engine/analysis/index.ts'
import { matMul, transpose, type Matrix } from '../../../src-main/engine/analysis/linalg.ts'
import { maxAbsDiff, powerIterationSingularValues, randomMatrix, randomUpdate } from './helpers.ts'

/** n × k with orthonormal columns: Gram–Schmidt (twice, for float64 orthogonality) of a random matrix. */
function orthonormalColumns(rng: Rng, n: number, k: number): Matrix {
  const m = randomMatrix(rng, n, k)
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0
        for (let i = 0; i < n; i++) dot += m.data[i * k + j]! * m.data[i * k + p]!
        for (let i = 0; i < n; i++) m.data[i * k + j]! -= dot * m.data[i * k + p]!
      }
    }
    let norm = 0
    for (let i = 0; i < n; i++) norm += m.data[i * k + j]! ** 2
    for (let i = 0; i < n; i++) m.data[i * k + j]! /= Math.sqrt(norm)
  }
  return m
}

describe('ΔW spectrum', () => {
  it('recovers a planted spectrum through any factorisation B·A of U·diag(σ)·Vᵀ', () => {
    const rng = new Rng(11)
    const sigma = [9, 4, 1.5, 0.01]
    const U = orthonormalColumns(rng, 30, 4) // (out, r)
    const V = orthonormalColumns(rng, 20, 4) // (in, r)
    const Us = { ...U, data: U.data.map((x, i) => x * sigma[i % 4]!) } // U·diag(σ)
    // Mix with a random invertible M (diagonally dominant): B = U·diag(σ)·M, A = M⁻¹·Vᵀ, computed as M⁻¹ via solves.
    const M = randomMatrix(rng, 4, 4)
    for (let i = 0; i < 4; i++) M.data[i * 4 + i]! += 6
    const Minv = invert(M)
    const u: LowRankUpdate = { B: matMul(Us, M), A: matMul(Minv, transpose(V)), scale: 0.5 }
    const spectrum = deltaSpectrum(u)
    expect(spectrum).toHaveLength(4)
    expect(maxAbsDiff(spectrum, sigma.map((s) => 0.5 * s))).toBeLessThan(1e-12)
  })

  it('matches power iteration on ΔWᵀΔW of the dense ΔW, for tall, wide and rank > side cases', () => {
    const rng = new Rng(12)
    for (const [out, inDim, r] of [[16, 12, 4], [6, 18, 3], [3, 9, 5]] as const) {
      const u = randomUpdate(rng, out, inDim, r, 1.25)
      const spectrum = deltaSpectrum(u)
      expect(spectrum).toHaveLength(Math.min(out, inDim, r))
      const dense = denseDelta(u)
      const reference = powerIterationSingularValues(dense, spectrum.length, rng)
      expect(maxAbsDiff(spectrum, reference)).toBeLessThan(1e-8 * spectrum[0]!)
      // Σσ² = ‖ΔW‖_F², and the dense Jacobi on ΔW itself agrees too.
      const frob2 = dense.data.reduce((s, x) => s + x * x, 0)
      expect(Math.abs(spectrum.reduce((s, x) => s + x * x, 0) - frob2)).toBeLessThan(1e-10 * frob2)
      expect(maxAbsDiff(spectrum, singularValues(dense).slice(0, spectrum.length))).toBeLessThan(1e-10 * spectrum[0]!)
    }
  })

  it('gives zeros for a zero or rank-deficient update', () => {
    const rng = new Rng(13)
    const u = randomUpdate(rng, 8, 8, 4)
    expect(deltaSpectrum({ ...u, B: { ...u.B, data: new Float64Array(u.B.data.length) } })).toEqual([0, 0, 0, 0])
    // B with two equal columns: B·A = B′·A′ with rank 3 at most.
    for (let o = 0; o < 8; o++) u.B.data[o * 4 + 3] = u.B.data[o * 4 + 2]!
    const spectrum = deltaSpectrum(u)
    expect(spectrum[3]).toBeLessThan(1e-12 * spectrum[0]!)
    expect(spectrum[2]).toBeGreaterThan(1e-3)
  })

  it("keeps Householder's R consistent: RᵀR = MᵀM", () => {
    const rng = new Rng(14)
    for (const [rows, cols] of [[9, 4], [3, 5]] as const) {
      const m = randomMatrix(rng, rows, cols)
      const r = householderR(m)
      expect([r.rows, r.cols]).toEqual([Math.min(rows, cols), cols])
      for (let i = 0; i < r.rows; i++) for (let j = 0; j < Math.min(i, cols); j++) expect(r.data[i * cols + j]).toBe(0)
      expect(maxAbsDiff(matMul(transpose(r), r).data, matMul(transpose(m), m).data)).toBeLessThan(1e-12)
    }
  })

  it('effective rank is 1 for one direction, k for k equal ones, 0 for none', () => {
    expect(effectiveRank([3, 0, 0])).toBeCloseTo(1, 12)
    expect(effectiveRank([2, 2, 2, 2])).toBeCloseTo(4, 12)
    expect(effectiveRank([0, 0])).toBe(0)
    const mixed = effectiveRank([5, 1, 0.1])
    expect(mixed).toBeGreaterThan(1)
    expect(mixed).toBeLessThan(3)
  })
})

/** Gauss–Jordan inverse with partial pivoting (small, well-conditioned test matrices only). */
function invert(m: Matrix): Matrix {
  const n = m.rows
  const a = Array.from({ length: n }, (_, i) => [...m.data.slice(i * n, (i + 1) * n), ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))])
  for (let c = 0; c < n; c++) {
    let pivot = c
    for (let i = c + 1; i < n; i++) if (Math.abs(a[i]![c]!) > Math.abs(a[pivot]![c]!)) pivot = i
    ;[a[c], a[pivot]] = [a[pivot]!, a[c]!]
    const p = a[c]![c]!
    a[c] = a[c]!.map((x) => x / p)
    for (let i = 0; i < n; i++) if (i !== c) a[i] = a[i]!.map((x, j) => x - a[i]![c]! * a[c]![j]!)
  }
  return { rows: n, cols: n, data: Float64Array.from(a.flatMap((row) => row.slice(n))) }
}
