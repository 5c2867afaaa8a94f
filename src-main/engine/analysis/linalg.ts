/**
 * Small dense float64 linear algebra for adapter analysis, in plain JS.
 *
 * Adapter analysis works on LoRA factors (r × in, out × r, r ≤ 64 in practice) and r × r products of
 * them, so everything fits in a few kilobytes: float64 JS is exact enough to compare cosines near ±1
 * and to resolve small singular values, which float32 tensors on wasm are not (and tfjs has no SVD).
 * The algorithms are the textbook ones (Golub & Van Loan, "Matrix Computations", 4th ed.):
 * Householder QR (§5.2) and one-sided Jacobi SVD (Hestenes 1958; §8.6.3).
 */
import type { tf } from '../backend/index.ts'

/** A row-major float64 matrix: element (i, j) is data[i * cols + j]. */
export interface Matrix {
  rows: number
  cols: number
  data: Float64Array
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) }
}

/** Copy a 2-D tensor (any float dtype) to float64. Reads the data synchronously; does not dispose it. */
export function fromTensor2d(t: tf.Tensor): Matrix {
  if (t.rank !== 2) throw new Error(`expected a 2-D tensor, found shape [${t.shape.join(', ')}]`)
  const [rows, cols] = t.shape as [number, number]
  return { rows, cols, data: Float64Array.from(t.dataSync()) }
}

export function transpose(m: Matrix): Matrix {
  const out = zeros(m.cols, m.rows)
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!
  return out
}

/** a (n, k) · b (k, m) → (n, m). */
export function matMul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matMul: inner dimensions differ: [${a.rows}, ${a.cols}] · [${b.rows}, ${b.cols}]`)
  const out = zeros(a.rows, b.cols)
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k]!
      if (aik === 0) continue
      const bRow = k * b.cols
      const oRow = i * b.cols
      for (let j = 0; j < b.cols; j++) out.data[oRow + j]! += aik * b.data[bRow + j]!
    }
  }
  return out
}

/** Σ_ij a_ij · b_ij (the Frobenius inner product of two same-shaped matrices). */
export function frobeniusDot(a: Matrix, b: Matrix): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`frobeniusDot: shapes differ: [${a.rows}, ${a.cols}] vs [${b.rows}, ${b.cols}]`)
  let sum = 0
  for (let i = 0; i < a.data.length; i++) sum += a.data[i]! * b.data[i]!
  return sum
}

/**
 * The R of a Householder QR, m = Q·R with Q orthonormal: (min(rows, cols), cols), upper triangular
 * (trapezoidal when rows < cols). Q is never formed: only Rᵀ·R = mᵀ·m matters to the callers. A
 * zero or rank-deficient input is fine (its reflectors are skipped, R gets zero rows).
 */
export function householderR(m: Matrix): Matrix {
  const { rows, cols } = m
  const w = Float64Array.from(m.data)
  const v = new Float64Array(rows)
  for (let j = 0; j < Math.min(rows - 1, cols); j++) {
    // Reflect column j below the diagonal onto e_j: v = x − α·e_1, α = −sign(x_0)·‖x‖ (no cancellation).
    let norm2 = 0
    for (let i = j; i < rows; i++) norm2 += w[i * cols + j]! * w[i * cols + j]!
    if (norm2 === 0) continue
    const x0 = w[j * cols + j]!
    const alpha = (x0 >= 0 ? -1 : 1) * Math.sqrt(norm2)
    let vNorm2 = 0
    for (let i = j; i < rows; i++) {
      v[i] = w[i * cols + j]! - (i === j ? alpha : 0)
      vNorm2 += v[i]! * v[i]!
    }
    for (let c = j; c < cols; c++) {
      let dot = 0
      for (let i = j; i < rows; i++) dot += v[i]! * w[i * cols + c]!
      const f = (2 * dot) / vNorm2
      for (let i = j; i < rows; i++) w[i * cols + c]! -= f * v[i]!
    }
  }
  const k = Math.min(rows, cols)
  const r = zeros(k, cols)
  for (let i = 0; i < k; i++) for (let c = i; c < cols; c++) r.data[i * cols + c] = w[i * cols + c]!
  return r
}

/** Rotations are skipped once |cᵢ·cⱼ| ≤ tol·‖cᵢ‖·‖cⱼ‖: a few ulps, the accuracy float64 allows. */
const JACOBI_TOLERANCE = 1e-15
/** Jacobi converges quadratically; small matrices need under ten sweeps, this is only a guard. */
const JACOBI_MAX_SWEEPS = 60

/**
 * Singular values (descending, min(rows, cols) of them) by one-sided Jacobi: rotate pairs of columns
 * until all are mutually orthogonal; the column norms are then the singular values. High relative
 * accuracy, no need for the singular vectors here.
 */
export function singularValues(m: Matrix): number[] {
  const a = m.rows >= m.cols ? m : transpose(m) // work on the tall orientation: n = the smaller side
  const n = a.cols
  const columns: Float64Array[] = []
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(a.rows)
    for (let i = 0; i < a.rows; i++) c[i] = a.data[i * n + j]!
    columns.push(c)
  }
  for (let sweep = 0; sweep < JACOBI_MAX_SWEEPS; sweep++) {
    let rotated = false
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const cp = columns[p]!
        const cq = columns[q]!
        let alpha = 0
        let beta = 0
        let gamma = 0
        for (let i = 0; i < cp.length; i++) {
          alpha += cp[i]! * cp[i]!
          beta += cq[i]! * cq[i]!
          gamma += cp[i]! * cq[i]!
        }
        if (gamma === 0 || Math.abs(gamma) <= JACOBI_TOLERANCE * Math.sqrt(alpha * beta)) continue
        rotated = true
        // The rotation that zeroes the (p, q) entry of the 2×2 Gram matrix [[α, γ], [γ, β]].
        const zeta = (beta - alpha) / (2 * gamma)
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta))
        const c = 1 / Math.sqrt(1 + t * t)
        const s = c * t
        for (let i = 0; i < cp.length; i++) {
          const xp = cp[i]!
          const xq = cq[i]!
          cp[i] = c * xp - s * xq
          cq[i] = s * xp + c * xq
        }
      }
    }
    if (!rotated) break
  }
  const values = columns.map((c) => Math.sqrt(c.reduce((sum, x) => sum + x * x, 0)))
  return values.sort((x, y) => y - x)
}
