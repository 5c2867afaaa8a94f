/**
 * Rank candidate adapters (e.g. the teachers of every task) by how close their updates are to a
 * target adapter (e.g. one the hypernetwork generated): the "nearest teachers" view of the Adapters
 * page, and the retrieval check of T2L (anchors.md §1): a generated adapter that follows its
 * instruction should sit nearest to its own task's teacher.
 */
import { compareAdapters, toLowRankSet, type AnalysisInput, type CompareOptions } from './compare.ts'

/** Which summary cosine orders the ranking (compare.ts ComparisonSummary says how each is computed). */
export const NEAREST_METRICS = ['meanCosine', 'weightedCosine', 'globalCosine'] as const
export type NearestMetric = (typeof NEAREST_METRICS)[number]

export interface NearestOptions {
  /** Default 'meanCosine': every module counts the same, so a few large modules cannot dominate. */
  metric?: NearestMetric
  /** As in compareAdapters (default 'same'). */
  modules?: CompareOptions['modules']
}

export interface NearestEntry {
  /** 1 = nearest. */
  rank: number
  name: string
  meanCosine: number | null
  weightedCosine: number | null
  globalCosine: number | null
  /** ‖target‖ / ‖candidate‖ over the whole adapter. */
  normRatio: number | null
  modules: number
}

export interface NearestResult {
  /** The metric the ranking is sorted by, descending. */
  metric: NearestMetric
  ranking: NearestEntry[]
}

/** Candidates sorted nearest first by `metric` (undefined values last, ties by name). */
export function rankNearest(target: AnalysisInput, candidates: { name: string; adapter: AnalysisInput }[], options: NearestOptions = {}): NearestResult {
  const metric = options.metric ?? 'meanCosine'
  if (!NEAREST_METRICS.includes(metric)) throw new Error(`rankNearest: unknown metric '${String(metric)}' (known: ${NEAREST_METRICS.join(', ')})`)
  if (candidates.length === 0) throw new Error('rankNearest: no candidate adapters given')
  const targetSet = toLowRankSet(target) // converted once, compared with every candidate
  const entries = candidates.map(({ name, adapter }) => {
    let summary
    try {
      summary = compareAdapters(targetSet, adapter, { spectra: false, modules: options.modules }).summary
    } catch (error) {
      throw new Error(`candidate '${name}': ${error instanceof Error ? error.message : String(error)}`)
    }
    const { meanCosine, weightedCosine, globalCosine, normRatio, modules } = summary
    return { rank: 0, name, meanCosine, weightedCosine, globalCosine, normRatio, modules }
  })
  entries.sort((x, y) => {
    const a = x[metric]
    const b = y[metric]
    if (a === null || b === null) return a === b ? x.name.localeCompare(y.name) : a === null ? 1 : -1
    return b - a || x.name.localeCompare(y.name)
  })
  entries.forEach((e, i) => (e.rank = i + 1))
  return { metric, ranking: entries }
}
