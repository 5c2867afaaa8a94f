/**
 * Singular values of a LoRA update ΔW = scale · B · A without forming ΔW.
 *
 * With thin QRs B = Q_B·R_B and Aᵀ = Q_A·R_A (Q's with orthonormal columns),
 *   ΔW = scale · Q_B · (R_B · R_Aᵀ) · Q_Aᵀ,
 * and multiplying by matrices with orthonormal columns leaves singular values unchanged, so
 * σ(ΔW) = |scale| · σ(R_B · R_Aᵀ): the SVD of a core of at most r × r (Golub & Van Loan §5.2, §8.6.3),
 * all in float64. The spectrum says how many directions an adapter really uses, which the cosine alone
 * hides: a generated adapter can point roughly the teacher's way with a very different rank profile.
 */
import { householderR, matMul, singularValues, transpose } from './linalg.ts'
import type { LowRankUpdate } from './delta.ts'

/** σ₁ ≥ σ₂ ≥ … of ΔW; min(out, in, r) values (rank ≤ r, so any further ones are zero). */
export function deltaSpectrum(u: LowRankUpdate): number[] {
  const rB = householderR(u.B) // (min(out, r), r)
  const rA = householderR(transpose(u.A)) // Aᵀ (in, r) → (min(in, r), r)
  const core = matMul(rB, transpose(rA)) // (min(out, r), min(in, r))
  return singularValues(core).map((s) => Math.abs(u.scale) * s)
}

/**
 * Effective rank exp(H(p)), p_k = σ_k / Σσ (Roy & Vetterli 2007): 1 for a rank-one update, r for r
 * equal singular values, 0 for a zero update. One number to put beside a spectrum plot.
 */
export function effectiveRank(spectrum: number[]): number {
  const total = spectrum.reduce((sum, s) => sum + s, 0)
  if (total === 0) return 0
  let entropy = 0
  for (const s of spectrum) if (s > 0) entropy -= (s / total) * Math.log(s / total)
  return Math.exp(entropy)
}
