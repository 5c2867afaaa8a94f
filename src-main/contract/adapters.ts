/**
 * The Adapters domain: compare any two LoRA adapters by the updates ΔW = scale·B·A they make, module by
 * module (stack × layer × target): cosine similarity, norm ratio, singular-value spectra, as heatmap grids;
 * and rank candidate adapters (the teachers) by how close they sit to a target (a generated adapter). The
 * math is the engine's (engine/analysis: compareAdapters, rankNearest, buildGrid); the comparison types are
 * defined here and the engine imports them (this boundary imports nothing from the engine). An adapter is a teacher run's LoRA, a generation held by the Playground, or a PEFT folder.
 * Shared with the renderer: no Node imports.
 */
import { z } from 'zod'

// Declared here, not imported from protocol.ts: protocol.ts imports this file (no import cycle).
const NoParams = z.strictObject({}).optional()

export const AdapterRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('teacher'), run: z.string().min(1).describe('a completed teacher run id') }),
  z.strictObject({ kind: z.literal('generation'), id: z.string().min(1).describe('a Playground generation id (held in the engine host until it restarts)') }),
  z.strictObject({ kind: z.literal('folder'), path: z.string().min(1).describe('a PEFT adapter folder (absolute, or relative to the workspace)') }),
])
export type AdapterRef = z.output<typeof AdapterRefSchema>

export const NEAREST_METRIC_NAMES = ['meanCosine', 'weightedCosine', 'globalCosine'] as const
export type NearestMetricName = (typeof NEAREST_METRIC_NAMES)[number]

export const AdaptersCompareSchema = z.strictObject({
  a: AdapterRefSchema.describe('adapter A (norm ratios are A / B)'),
  b: AdapterRefSchema.describe('adapter B'),
  // 'same': a module on one side only is an error (another architecture); 'shared' compares the overlap.
  modules: z.enum(['same', 'shared']).default('same').describe("'same': both must adapt the same modules; 'shared': compare the modules both have"),
})

export const AdaptersNearestSchema = z.strictObject({
  target: AdapterRefSchema.describe('the adapter to find neighbours of, e.g. a generated one'),
  candidates: z.array(AdapterRefSchema).max(200).default([]).describe("candidates; empty = the teachers of the target's hypernetwork, else every teacher run"),
  // meanCosine: every module counts the same, so a few large modules cannot dominate (engine default).
  metric: z.enum(NEAREST_METRIC_NAMES).default('meanCosine'),
})

export const ADAPTERS_PARAM_SCHEMAS = {
  'adapters.list': NoParams,
  'adapters.compare': AdaptersCompareSchema,
  'adapters.nearest': AdaptersNearestSchema,
} as const

export type AdapterSourceKind = AdapterRef['kind']

/** An adapter as the pickers list it. */
export interface AdapterEntry {
  ref: AdapterRef
  /** A short name: the teacher's group, the generation's instruction, the folder name. */
  name: string
  /** One line on where it comes from. */
  detail: string
  /** Its PEFT folder; null for a generation not exported yet. */
  dir: string | null
  rank: number | null
  createdAt: string | null
  /** The hypernetwork run that generated it (generated adapters), null otherwise. */
  hyper: string | null
  /** The backbone run it adapts, when known. */
  backbone: string | null
}

export interface AdapterList {
  teachers: AdapterEntry[]
  /** Folders under the workspace's adapters/ and folders exported in this session. */
  saved: AdapterEntry[]
  /** Generations the Playground holds now (newest first). */
  generations: AdapterEntry[]
  /** The folder saved adapters are listed from. */
  savedDir: string
  /** Teacher runs or folders that could not be read, with why. */
  unreadable: { name: string; error: string }[]
}

export type ModuleStackName = 'encoder-self' | 'decoder-self' | 'decoder-cross' | 'encoder-ffn' | 'decoder-ffn'

/** One module's comparison (engine/analysis/compare.ts computes it; the engine uses these types). */
export interface ModuleComparisonResult {
  /** The module's PEFT path, e.g. `encoder.block.0.layer.0.SelfAttention.q`. */
  id: string
  stack: ModuleStackName
  layer: number
  target: string
  rankA: number
  rankB: number
  /** cos(ΔW_A, ΔW_B) in [−1, 1]; null when either update is exactly zero. */
  cosine: number | null
  /** ‖ΔW‖_F of each side. */
  normA: number
  normB: number
  /** normA / normB; null when normB = 0. */
  normRatio: number | null
  /** Singular values of ΔW, descending (empty when spectra are off). */
  spectrumA: number[]
  spectrumB: number[]
  /** exp(entropy) of the normalised spectrum (spectrum.ts); null when spectra are off. */
  effectiveRankA: number | null
  effectiveRankB: number | null
}

export interface ComparisonSummaryResult {
  modules: number
  /** Modules whose cosine is undefined (a zero update on either side); left out of the cosine means. */
  modulesWithoutCosine: number
  /** Unweighted mean of the per-module cosines. */
  meanCosine: number | null
  /** Per-module cosines weighted by normA·normB: Σ⟨ΔW_A, ΔW_B⟩ / Σ‖ΔW_A‖·‖ΔW_B‖. Big modules count more. */
  weightedCosine: number | null
  /** Cosine of the whole adapters as one long vector: Σ⟨ΔW_A, ΔW_B⟩ / sqrt(Σ‖ΔW_A‖² · Σ‖ΔW_B‖²). */
  globalCosine: number | null
  minCosine: { id: string; value: number } | null
  maxCosine: { id: string; value: number } | null
  /** Norms of the whole adapters, sqrt(Σ‖ΔW‖²), and their ratio A / B (null when B is zero). */
  normA: number
  normB: number
  normRatio: number | null
}

export type GridMetric = 'cosine' | 'normRatio' | 'normA' | 'normB'

export interface ModuleGridResult {
  rows: { stack: ModuleStackName; layer: number; label: string }[]
  columns: string[]
  ids: (string | null)[][]
  values: Record<GridMetric, (number | null)[][]>
}

export interface AdapterComparisonResult {
  a: AdapterEntry
  b: AdapterEntry
  modules: ModuleComparisonResult[]
  summary: ComparisonSummaryResult
  /** Heatmaps: rows = stack × layer, columns = target. */
  grid: ModuleGridResult
  /** Modules only one side has (always empty with modules: 'same'). */
  onlyInA: string[]
  onlyInB: string[]
  /** Wall time of loading both and comparing, in milliseconds. */
  ms: number
}

export interface NearestRow {
  rank: number
  entry: AdapterEntry
  meanCosine: number | null
  weightedCosine: number | null
  globalCosine: number | null
  normRatio: number | null
  modules: number
}

export interface NearestAdaptersResult {
  target: AdapterEntry
  metric: NearestMetricName
  /** How the candidates were chosen, in words. */
  candidatesFrom: string
  ranking: NearestRow[]
}

export interface AdaptersMethodMap {
  'adapters.list': { params: undefined; result: AdapterList }
  'adapters.compare': { params: z.input<typeof AdaptersCompareSchema>; result: AdapterComparisonResult }
  'adapters.nearest': { params: z.input<typeof AdaptersNearestSchema>; result: NearestAdaptersResult }
}

export interface AdaptersApi {
  listAdapters(): Promise<AdapterList>
  compareAdapters(params: z.input<typeof AdaptersCompareSchema>): Promise<AdapterComparisonResult>
  nearestAdapters(params: z.input<typeof AdaptersNearestSchema>): Promise<NearestAdaptersResult>
}

type Call = <M extends keyof AdaptersMethodMap>(method: M, params: AdaptersMethodMap[M]['params']) => Promise<AdaptersMethodMap[M]['result']>

export function adaptersApi(call: Call): AdaptersApi {
  return {
    listAdapters: () => call('adapters.list', undefined),
    compareAdapters: (params) => call('adapters.compare', params),
    nearestAdapters: (params) => call('adapters.nearest', params),
  }
}

/** A stable string key of a ref (pickers, caches). */
export function adapterRefKey(ref: AdapterRef): string {
  return ref.kind === 'teacher' ? `teacher:${ref.run}` : ref.kind === 'generation' ? `generation:${ref.id}` : `folder:${ref.path}`
}
