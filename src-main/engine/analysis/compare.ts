/**
 * Compare two LoRA adapters module by module: cosine similarity and norm ratio of their updates ΔW,
 * singular-value spectra, and a summary; output is plain JSON, ready for heatmaps.
 *
 * This is the check users of hypernetwork systems ask for (anchors.md §1, T2L#4, T2L#7): does the
 * generated adapter follow the instruction, i.e. does its ΔW point where the task's teacher LoRA
 * points? It compares updates, not factors (decisions.md §1 point 5: scaling included, orientation
 * right), via the trace identity in delta.ts, so different ranks compare fine.
 */
// The result types are the contract's (the studio boundary), so the engine's JSON and the studio's cannot drift.
import type { AdapterComparisonResult, ComparisonSummaryResult, GridMetric, ModuleComparisonResult } from '../../contract/adapters.ts'
import type { LoraModuleId } from '../models/lora/types.ts'
import { frobeniusNorm, innerProduct, lowRankSet, rank, type AdapterSource, type LowRankUpdate } from './delta.ts'
import { buildGrid, compareModulePositions, modulePosition, type ModuleGrid, type ModulePosition } from './grid.ts'
import { deltaSpectrum, effectiveRank } from './spectrum.ts'

/** An adapter already converted to float64 low-rank pairs (lowRankSet), e.g. to compare it many times. */
export type LowRankSet = Map<LoraModuleId, LowRankUpdate>
export type AnalysisInput = AdapterSource | LowRankSet

export interface CompareOptions {
  /**
   * 'same' (default): both adapters must have exactly the same modules; a module on one side only is
   * an error, since it usually means another architecture or target set and a partial comparison would
   * mislead silently. 'shared': compare the modules both have and list the rest in onlyInA / onlyInB.
   */
  modules?: 'same' | 'shared'
  /** Compute singular-value spectra (default true); rankNearest turns them off, it only needs cosines. */
  spectra?: boolean
}

/** One module's comparison: the contract's JSON row, with the engine's narrower position types. */
export type ModuleComparison = ModuleComparisonResult & ModulePosition & { id: LoraModuleId }
export type ComparisonSummary = ComparisonSummaryResult
export type ComparisonMetric = GridMetric

/** The contract's comparison less what the host adds (which adapters, timing), grid typed by target. */
export interface AdapterComparison extends Pick<AdapterComparisonResult, 'summary' | 'onlyInA' | 'onlyInB'> {
  modules: ModuleComparison[]
  grid: ModuleGrid<ComparisonMetric>
}

/** Any accepted adapter form as float64 low-rank pairs (already-converted sets pass through). */
export function toLowRankSet(input: AnalysisInput): LowRankSet {
  if (input instanceof Map) {
    const first = input.values().next().value as { kind?: unknown } | undefined
    if (first === undefined || !('kind' in first)) return input as LowRankSet
  }
  return lowRankSet(input as AdapterSource)
}

function extremeCosine(modules: ModuleComparison[], better: (a: number, b: number) => boolean): { id: LoraModuleId; value: number } | null {
  let best: { id: LoraModuleId; value: number } | null = null
  for (const m of modules) if (m.cosine !== null && (best === null || better(m.cosine, best.value))) best = { id: m.id, value: m.cosine }
  return best
}

function summarise(modules: ModuleComparison[], inner: number[]): ComparisonSummary {
  const defined = modules.filter((m) => m.cosine !== null)
  const sumInner = inner.reduce((s, x) => s + x, 0)
  const sumNormProducts = modules.reduce((s, m) => s + m.normA * m.normB, 0)
  const normA = Math.sqrt(modules.reduce((s, m) => s + m.normA * m.normA, 0))
  const normB = Math.sqrt(modules.reduce((s, m) => s + m.normB * m.normB, 0))
  const clamp = (x: number) => Math.min(1, Math.max(-1, x))
  return {
    modules: modules.length,
    modulesWithoutCosine: modules.length - defined.length,
    meanCosine: defined.length === 0 ? null : defined.reduce((s, m) => s + m.cosine!, 0) / defined.length,
    weightedCosine: sumNormProducts === 0 ? null : clamp(sumInner / sumNormProducts),
    globalCosine: normA * normB === 0 ? null : clamp(sumInner / (normA * normB)),
    minCosine: extremeCosine(modules, (a, b) => a < b),
    maxCosine: extremeCosine(modules, (a, b) => a > b),
    normA,
    normB,
    normRatio: normB === 0 ? null : normA / normB,
  }
}

function compareModule(id: LoraModuleId, u: LowRankUpdate, v: LowRankUpdate, spectra: boolean): { comparison: ModuleComparison; inner: number } {
  const inner = innerProduct(u, v, id) // throws naming the module when the ΔW shapes differ
  const normA = frobeniusNorm(u)
  const normB = frobeniusNorm(v)
  const spectrumA = spectra ? deltaSpectrum(u) : []
  const spectrumB = spectra ? deltaSpectrum(v) : []
  const comparison: ModuleComparison = {
    id,
    ...modulePosition(id),
    rankA: rank(u),
    rankB: rank(v),
    cosine: normA * normB === 0 ? null : Math.min(1, Math.max(-1, inner / (normA * normB))),
    normA,
    normB,
    normRatio: normB === 0 ? null : normA / normB,
    spectrumA,
    spectrumB,
    effectiveRankA: spectra ? effectiveRank(spectrumA) : null,
    effectiveRankB: spectra ? effectiveRank(spectrumB) : null,
  }
  return { comparison, inner }
}

/** Compare adapter A with adapter B (same architecture), module by module. Norm ratios are A / B. */
export function compareAdapters(a: AnalysisInput, b: AnalysisInput, options: CompareOptions = {}): AdapterComparison {
  const mode = options.modules ?? 'same'
  if (mode !== 'same' && mode !== 'shared') throw new Error(`compareAdapters: option 'modules' must be 'same' or 'shared', found '${String(mode)}'`)
  const setA = toLowRankSet(a)
  const setB = toLowRankSet(b)
  if (setA.size === 0 || setB.size === 0) throw new Error(`compareAdapters: adapter ${setA.size === 0 ? 'A' : 'B'} has no modules`)
  const onlyInA = [...setA.keys()].filter((id) => !setB.has(id))
  const onlyInB = [...setB.keys()].filter((id) => !setA.has(id))
  if (mode === 'same' && (onlyInA.length > 0 || onlyInB.length > 0)) {
    const [side, other, missing] = onlyInA.length > 0 ? ['A', 'B', onlyInA] : ['B', 'A', onlyInB]
    throw new Error(
      `module '${missing[0]}' is in adapter ${side} but not in adapter ${other} (${onlyInA.length} module(s) only in A, ${onlyInB.length} only in B): ` +
        `the adapters are for different architectures or target modules; compare the shared modules with modules: 'shared' (CLI: --shared-only)`,
    )
  }
  const shared = [...setA.keys()].filter((id) => setB.has(id)).sort((x, y) => compareModulePositions(modulePosition(x), modulePosition(y)))
  if (shared.length === 0) throw new Error(`compareAdapters: the adapters have no module in common (A has e.g. '${onlyInA[0]}', B has e.g. '${onlyInB[0]}')`)
  const results = shared.map((id) => compareModule(id, setA.get(id)!, setB.get(id)!, options.spectra ?? true))
  const modules = results.map((r) => r.comparison)
  return {
    modules,
    summary: summarise(modules, results.map((r) => r.inner)),
    grid: buildGrid(modules, { cosine: (m) => m.cosine, normRatio: (m) => m.normRatio, normA: (m) => m.normA, normB: (m) => m.normB }),
    onlyInA,
    onlyInB,
  }
}
