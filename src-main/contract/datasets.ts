/**
 * The Datasets domain: SNI datasets in the workspace (engine/data/datasets.ts) as the studio's Datasets page
 * reads them: the list, one dataset's tasks grouped by category, a task's definition, examples and paged
 * instances, the train / held-out split (editable, saved atomically with its provenance), statistics
 * (lengths in a backbone's tokens, or in words and characters when no tokenizer is chosen) and JSONL export.
 * Imports run as the `dataset-import` job (engine/jobs/kinds/dataset-import.ts), so they stream progress.
 * Shared with the renderer: no Node imports.
 */
import { z } from 'zod'

// Declared here, not imported from protocol.ts: protocol.ts imports this file (no import cycle).
const NoParams = z.strictObject({}).optional()
const DatasetId = z.string().min(1).describe('the dataset id, as `datasets.list` gives it (ds-…)')

export const DatasetGetSchema = z.strictObject({ id: DatasetId })

export const DatasetTaskSchema = z.strictObject({
  id: DatasetId,
  task: z.string().min(1).describe('the task name (e.g. task001_quoref_question_generation)'),
  offset: z.number().int().nonnegative().default(0).describe('first instance of the page'),
  // 20 instances fit one screen; 200 caps what a single response carries.
  limit: z.number().int().min(1).max(200).default(20).describe('instances per page'),
})

export const DatasetSplitSchema = z.strictObject({
  id: DatasetId,
  train: z.array(z.string().min(1)).describe('tasks to train on'),
  test: z.array(z.string().min(1)).describe('held-out tasks, for evaluation only'),
})

export const DatasetStatsSchema = z.strictObject({
  id: DatasetId,
  tokenizerRun: z.string().min(1).nullable().default(null).describe('a run whose model/tokenizer.json counts the tokens; null counts words and characters'),
})

export const DatasetExportSchema = z.strictObject({
  id: DatasetId,
  path: z.string().min(1).describe('the .jsonl file to write (absolute, on the engine host’s machine)'),
  split: z.enum(['train', 'test']).nullable().default(null).describe('only the training or the held-out tasks; null exports every task'),
})

export const DATASETS_PARAM_SCHEMAS = {
  'datasets.list': NoParams,
  'datasets.get': DatasetGetSchema,
  'datasets.task': DatasetTaskSchema,
  'datasets.setSplit': DatasetSplitSchema,
  'datasets.stats': DatasetStatsSchema,
  'datasets.tokenizers': NoParams,
  'datasets.export': DatasetExportSchema,
} as const

export type TaskSplit = 'train' | 'test'

export interface DatasetSummary {
  id: string
  name: string
  source: { path: string; kind: 'sni-folder' | 'jsonl'; layout: string }
  importedAt: string
  settings: { instancesPerTask: number; requireEnglish: boolean; splitName: string }
  counts: { tasks: number; instances: number; trainTasks: number; testTasks: number; skippedFiles: number; issues: number }
  hasSplit: boolean
  /** When the split was last edited in the studio; null while it is the imported one. */
  splitEditedAt: string | null
}

export interface DatasetList {
  datasets: DatasetSummary[]
  /** Folders under datasets/ whose dataset.json cannot be read, with why. */
  unreadable: { id: string; error: string }[]
}

export interface DatasetTaskRow {
  name: string
  categories: string[]
  /** The first category: the teacher-LoRA group and the evaluation breakdown. */
  category: string
  instances: number
  /** null: in the dataset but in neither split (not used by the TAGI stages). */
  split: TaskSplit | null
}

export interface DatasetCategory {
  name: string
  tasks: number
  train: number
  test: number
}

export interface DatasetDetail extends DatasetSummary {
  splits: { train: string[]; test: string[] } | null
  /** The split as imported (kept when the split is edited: provenance). */
  importedSplits: { train: string[]; test: string[] } | null
  tasks: DatasetTaskRow[]
  /** Primary categories, most tasks first. */
  categories: DatasetCategory[]
  /** Files the import skipped, each with the reason. */
  skipped: { file: string; task?: string; reason: string }[]
  /** Problems inside kept tasks (dropped instances or references). */
  issues: { task: string; message: string }[]
}

export interface DatasetExample {
  input: string
  output: string
  explanation?: string
}

export interface DatasetInstance {
  id: string
  input: string
  output: string[]
}

export interface DatasetTaskDetail {
  dataset: string
  name: string
  split: TaskSplit | null
  categories: string[]
  definition: string[]
  positiveExamples: DatasetExample[]
  negativeExamples: DatasetExample[]
  /** Descriptive SNI fields (Source, Domains, languages, …). */
  meta: Record<string, string[]>
  /** Instances in the original source, before the import kept the first N; null when unknown. */
  numInstancesTotal: number | null
  instances: { total: number; offset: number; items: DatasetInstance[] }
}

export type LengthUnit = 'tokens' | 'words' | 'characters'
export type LengthField = 'definition' | 'input' | 'output'

export interface LengthSummary {
  field: LengthField
  unit: LengthUnit
  count: number
  min: number
  mean: number
  median: number
  p95: number
  max: number
  /** Equal-width bins from min to max: counts per bin (for a small histogram). */
  histogram: { from: number; to: number; count: number }[]
}

export interface DatasetStats {
  id: string
  /** How lengths are counted: a backbone's tokenizer, or words and characters (no tokenizer chosen). */
  basis: { kind: 'tokenizer'; runId: string; runName: string; vocabSize: number } | { kind: 'text' }
  counts: { tasks: number; instances: number; trainTasks: number; testTasks: number; unassignedTasks: number; trainInstances: number; testInstances: number }
  categories: { name: string; tasks: number; instances: number }[]
  lengths: LengthSummary[]
  /** Mean input and output length per task, in the first unit of `lengths`. */
  perTask: { task: string; split: TaskSplit | null; instances: number; inputMean: number; outputMean: number }[]
}

/** A run whose model folder holds a tokenizer.json (a backbone, a meta-trained model, …). */
export interface TokenizerSource {
  runId: string
  name: string
  stage: string
  createdAt: string
  vocabSize: number | null
}

export interface DatasetExportResult {
  path: string
  lines: number
  tasks: number
}

export interface DatasetsMethodMap {
  'datasets.list': { params: undefined; result: DatasetList }
  'datasets.get': { params: z.input<typeof DatasetGetSchema>; result: DatasetDetail }
  'datasets.task': { params: z.input<typeof DatasetTaskSchema>; result: DatasetTaskDetail }
  'datasets.setSplit': { params: z.input<typeof DatasetSplitSchema>; result: DatasetDetail }
  'datasets.stats': { params: z.input<typeof DatasetStatsSchema>; result: DatasetStats }
  'datasets.tokenizers': { params: undefined; result: TokenizerSource[] }
  'datasets.export': { params: z.input<typeof DatasetExportSchema>; result: DatasetExportResult }
}

/** The `dataset-import` job's params, as the renderer sends them (the job kind validates them). */
export interface DatasetImportParams {
  /** A folder of SNI task files or a .jsonl file; or leave it out and name a `builtin`. */
  path?: string
  builtin?: 'instruction-suite'
  name?: string | null
  instancesPerTask?: number
  format?: 'auto' | 'sni' | 'jsonl'
  requireEnglish?: boolean
}
export const DATASET_IMPORT_KIND = 'dataset-import'

export interface DatasetsApi {
  listDatasets(): Promise<DatasetList>
  getDataset(id: string): Promise<DatasetDetail>
  getDatasetTask(params: z.input<typeof DatasetTaskSchema>): Promise<DatasetTaskDetail>
  setDatasetSplit(params: z.input<typeof DatasetSplitSchema>): Promise<DatasetDetail>
  datasetStats(params: z.input<typeof DatasetStatsSchema>): Promise<DatasetStats>
  tokenizerSources(): Promise<TokenizerSource[]>
  exportDataset(params: z.input<typeof DatasetExportSchema>): Promise<DatasetExportResult>
}

type Call = <M extends keyof DatasetsMethodMap>(method: M, params: DatasetsMethodMap[M]['params']) => Promise<DatasetsMethodMap[M]['result']>

export function datasetsApi(call: Call): DatasetsApi {
  return {
    listDatasets: () => call('datasets.list', undefined),
    getDataset: (id) => call('datasets.get', { id }),
    getDatasetTask: (params) => call('datasets.task', params),
    setDatasetSplit: (params) => call('datasets.setSplit', params),
    datasetStats: (params) => call('datasets.stats', params),
    tokenizerSources: () => call('datasets.tokenizers', undefined),
    exportDataset: (params) => call('datasets.export', params),
  }
}
