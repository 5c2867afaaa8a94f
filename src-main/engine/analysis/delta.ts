/**
 * LoRA updates ΔW = scale · B · A as low-rank pairs, and their Frobenius geometry without forming ΔW.
 *
 * Follows PEFT's convention (A: (r, in), B: (out, r), ΔW: (out, in), scale = lora_alpha / r) and the
 * parameter-alignment view of decisions.md §1 point 5: adapters are compared as the updates ΔW they
 * make, scaling included, so two adapters of different rank or with A and B rescaled against each
 * other compare by what they do to the model, not by their factors.
 *
 * The trace identity (ΔW₁ = s₁B₁A₁ of rank r₁, ΔW₂ = s₂B₂A₂ of rank r₂):
 *   ⟨ΔW₁, ΔW₂⟩_F = tr(ΔW₁ᵀ ΔW₂) = s₁s₂ · tr(A₁ᵀ B₁ᵀ B₂ A₂)
 *                = s₁s₂ · tr((B₁ᵀB₂) (A₂A₁ᵀ))            (cyclic shift of the trace)
 *                = s₁s₂ · Σᵢⱼ (B₁ᵀB₂)ᵢⱼ (A₁A₂ᵀ)ᵢⱼ       (tr(XYᵀ) = Σ X∘Y, with Y = (A₂A₁ᵀ)ᵀ)
 * Both factors are (r₁, r₂): O(r₁r₂(in + out)) work instead of O(out·in·(r₁ + r₂)), and ranks may differ.
 */
import type { PeftAdapter } from '../models/lora/peft.ts'
import type { LoraModuleId, LoraSet, PerExampleLora, StaticLora } from '../models/lora/types.ts'
import { fromTensor2d, matMul, transpose, zeros, type Matrix } from './linalg.ts'

/** One module's update in PEFT orientation, float64: ΔW (out, in) = scale · B · A. */
export interface LowRankUpdate {
  /** (r, in) */
  A: Matrix
  /** (out, r) */
  B: Matrix
  scale: number
}

/** (out, in) of the update. */
export function deltaShape(u: LowRankUpdate): [number, number] {
  return [u.B.rows, u.A.cols]
}

export function rank(u: LowRankUpdate): number {
  return u.A.rows
}

/** Either form the engine holds an adapter in: a PEFT folder loaded, or an in-memory set. */
export type AdapterSource = PeftAdapter | LoraSet

function isLoraSet(source: AdapterSource): source is LoraSet {
  return source instanceof Map
}

/** One in-memory LoRA as a float64 low-rank pair; per-example adapters must hold a single row. */
export function lowRankUpdate(id: LoraModuleId, lora: StaticLora | PerExampleLora): LowRankUpdate {
  if (lora.kind === 'static') {
    const A = fromTensor2d(lora.A)
    const B = fromTensor2d(lora.B)
    if (A.rows !== B.cols) throw new Error(`module '${id}': lora_A is [${A.rows}, ${A.cols}] and lora_B is [${B.rows}, ${B.cols}]; their ranks differ`)
    return { A, B, scale: lora.scale }
  }
  // Per-example layout: A (batch, in, r), B (batch, r, out), y_b += scale · x_b·A_b·B_b, so ΔW = B_bᵀ·A_bᵀ.
  const [batch, inDim, r] = lora.A.shape
  const [batchB, rB, outDim] = lora.B.shape
  if (batch !== 1 || batchB !== 1) {
    throw new Error(`module '${id}': a per-example adapter must hold one row to be analysed, found batch ${batch} (A [${lora.A.shape.join(', ')}], B [${lora.B.shape.join(', ')}]); slice the row you want first`)
  }
  if (rB !== r) throw new Error(`module '${id}': per-example A is [${lora.A.shape.join(', ')}] and B is [${lora.B.shape.join(', ')}]; their ranks differ`)
  const aT: Matrix = { rows: inDim, cols: r, data: Float64Array.from(lora.A.dataSync()) } // (in, r)
  const bT: Matrix = { rows: r, cols: outDim, data: Float64Array.from(lora.B.dataSync()) } // (r, out)
  return { A: transpose(aT), B: transpose(bT), scale: lora.scale }
}

/** Every module of an adapter as float64 low-rank pairs, keyed by PEFT module path. Tensors are only read. */
export function lowRankSet(source: AdapterSource): Map<LoraModuleId, LowRankUpdate> {
  const out = new Map<LoraModuleId, LowRankUpdate>()
  if (isLoraSet(source)) {
    for (const [id, lora] of source) out.set(id, lowRankUpdate(id, lora))
  } else {
    for (const [id, { A, B }] of source.modules) out.set(id, lowRankUpdate(id, { kind: 'static', A, B, scale: source.scale }))
  }
  return out
}

/** The dense ΔW (out, in). Only for small modules: display and reference checks. */
export function denseDelta(u: LowRankUpdate): Matrix {
  const product = matMul(u.B, u.A)
  for (let i = 0; i < product.data.length; i++) product.data[i]! *= u.scale
  return product
}

/** (B₁ᵀB₂)ᵢⱼ · (A₁A₂ᵀ)ᵢⱼ summed: the r₁ × r₂ trace form of ⟨B₁A₁, B₂A₂⟩_F (scales not applied). */
function factorInner(u: LowRankUpdate, v: LowRankUpdate): number {
  const r1 = rank(u)
  const r2 = rank(v)
  const btb = zeros(r1, r2) // B₁ᵀB₂ (r₁, r₂), accumulated row by row of B (row-major, contiguous)
  for (let o = 0; o < u.B.rows; o++) {
    for (let i = 0; i < r1; i++) {
      const b1 = u.B.data[o * r1 + i]!
      if (b1 === 0) continue
      for (let j = 0; j < r2; j++) btb.data[i * r2 + j]! += b1 * v.B.data[o * r2 + j]!
    }
  }
  const inDim = u.A.cols
  let sum = 0
  for (let i = 0; i < r1; i++) {
    for (let j = 0; j < r2; j++) {
      const p = btb.data[i * r2 + j]!
      if (p === 0) continue
      let aat = 0 // (A₁A₂ᵀ)ᵢⱼ = row i of A₁ · row j of A₂
      for (let k = 0; k < inDim; k++) aat += u.A.data[i * inDim + k]! * v.A.data[j * inDim + k]!
      sum += p * aat
    }
  }
  return sum
}

/** Throws naming the module and both ΔW shapes when two updates do not act on the same weight. */
export function checkSameShape(id: LoraModuleId, u: LowRankUpdate, v: LowRankUpdate): void {
  const [outU, inU] = deltaShape(u)
  const [outV, inV] = deltaShape(v)
  if (outU !== outV || inU !== inV) {
    throw new Error(`module '${id}': ΔW shapes differ, [${outU}, ${inU}] (A: lora_B [${outU}, ${rank(u)}] · lora_A [${rank(u)}, ${inU}]) vs [${outV}, ${inV}] (B: lora_B [${outV}, ${rank(v)}] · lora_A [${rank(v)}, ${inV}]); the adapters are for different architectures`)
  }
}

/** ⟨ΔW_u, ΔW_v⟩_F through the trace identity above. */
export function innerProduct(u: LowRankUpdate, v: LowRankUpdate, id: LoraModuleId = '(unnamed)'): number {
  checkSameShape(id, u, v)
  return u.scale * v.scale * factorInner(u, v)
}

/** ‖ΔW‖_F = |scale| · sqrt(Σ (BᵀB) ∘ (AAᵀ)). */
export function frobeniusNorm(u: LowRankUpdate): number {
  return Math.abs(u.scale) * Math.sqrt(Math.max(0, factorInner(u, u))) // max: rounding can give −0-ish values
}

/** cos(ΔW_u, ΔW_v) in [−1, 1]; null when either update is exactly zero (the angle is undefined). */
export function cosineSimilarity(u: LowRankUpdate, v: LowRankUpdate, id: LoraModuleId = '(unnamed)'): number | null {
  const dot = innerProduct(u, v, id)
  const norms = frobeniusNorm(u) * frobeniusNorm(v)
  if (norms === 0) return null
  return Math.min(1, Math.max(-1, dot / norms))
}

/** ‖ΔW_u‖ / ‖ΔW_v‖; null when ‖ΔW_v‖ = 0. */
export function normRatio(u: LowRankUpdate, v: LowRankUpdate): number | null {
  const denominator = frobeniusNorm(v)
  return denominator === 0 ? null : frobeniusNorm(u) / denominator
}
