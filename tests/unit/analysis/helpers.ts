/** Shared test helpers: seeded random float64 matrices and low-rank updates, dense references. */
import { Rng } from '../../../src-main/engine/data/random.ts'
import type { LowRankUpdate } from '../../../src-main/engine/analysis/index.ts'
import type { Matrix } from '../../../src-main/engine/analysis/linalg.ts'

/** Standard normal entries (Box–Muller on the project's seeded generator). */
export function randomMatrix(rng: Rng, rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next())
  return { rows, cols, data }
}

export function randomUpdate(rng: Rng, out: number, inDim: number, r: number, scale = 1): LowRankUpdate {
  return { A: randomMatrix(rng, r, inDim), B: randomMatrix(rng, out, r), scale }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

/**
 * Reference singular values of a dense matrix M, independent of the code under test: power iteration
 * on G = MᵀM with deflation (G ← G − λ·v·vᵀ), σ = √λ. Fine for well-separated spectra of small matrices.
 */
export function powerIterationSingularValues(m: Matrix, count: number, rng: Rng): number[] {
  const n = m.cols
  const g = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < m.rows; k++) g[i * n + j]! += m.data[k * n + i]! * m.data[k * n + j]!
  const values: number[] = []
  for (let c = 0; c < count; c++) {
    let v = Float64Array.from({ length: n }, () => rng.next() - 0.5)
    let lambda = 0
    for (let it = 0; it < 5000; it++) {
      const w = new Float64Array(n)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i]! += g[i * n + j]! * v[j]!
      const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0))
      if (norm === 0) break
      const next = w.map((x) => x / norm)
      const converged = Math.abs(norm - lambda) <= 1e-14 * norm
      lambda = norm
      v = next
      if (converged) break
    }
    values.push(Math.sqrt(lambda))
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j]! -= lambda * v[i]! * v[j]!
  }
  return values
}
