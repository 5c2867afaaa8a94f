/**
 * The Evaluation domain: the scores the engine wrote, as tables like the paper's (tagi-method.md §7.1):
 * method × split (held-out vs training tasks) with inference cost, the ablation table of §7.4, per category
 * and per task, and a drill-down from a task to its predictions next to the references with per-instance
 * ROUGE-L and exact match. Sources are the run store's files: an `evaluate` run's comparison.json (stage f,
 * engine/stages/evaluate.ts; a pipeline's results.json points at it) and each `eval` run's scores.json and
 * predictions.jsonl (engine/eval/runner.ts). CSV is built by the engine; launching an evaluation starts
 * the pipeline's own `tagi-evaluate` job kind. Shared with the renderer: no Node imports.
 */
import { z } from 'zod'
import type { JobState } from './jobs.ts'

const NoParams = z.strictObject({}).optional()
const RunId = z.string().min(1)

export const EvaluationReportSchema = z.strictObject({
  runId: RunId.describe('an `evaluate` run (a comparison of methods) or a single `eval` run'),
})

export const EvaluationPredictionsSchema = z.strictObject({
  evalRun: RunId.describe('the `eval` run holding predictions.jsonl (one method on one split)'),
  task: z.string().min(1).describe('the task whose predictions to read'),
  offset: z.number().int().nonnegative().default(0),
  // 25 rows of prediction + references fit a screen; 200 caps one response.
  limit: z.number().int().min(1).max(200).default(25),
})

export const EVALUATION_TABLES = ['methods', 'ablations', 'categories', 'tasks'] as const
export type EvaluationTable = (typeof EVALUATION_TABLES)[number]

export const EvaluationCsvSchema = z.strictObject({
  runId: RunId.describe('the run of the report'),
  table: z.enum(EVALUATION_TABLES).describe('which table of the report'),
})

export const EvaluationStartSchema = z.strictObject({
  pipeline: RunId.describe('a pipeline run: its backbone, meta-trained model, teachers and hypernetworks are evaluated'),
  dataset: z.string().min(1).nullable().default(null).describe("'suite', a folder, or a workspace dataset id; null: the pipeline's dataset"),
  methods: z
    .array(z.string().min(1))
    .nullable()
    .default(null)
    .describe("methods besides the backbone: 'metatrain', 'teacher', 'tagi' and ablation names; null: all the pipeline has"),
  // SNI scores the first 100 instances of each held-out task (tagi-method.md §5.2).
  instancesPerTask: z.number().int().positive().default(100).describe('instances scored per held-out task'),
  // Fewer on training tasks: the seen-task score is a sanity check, not the headline.
  trainInstancesPerTask: z.number().int().nonnegative().default(20).describe('instances scored per training task (0: held-out only)'),
  name: z.string().min(1).nullable().default(null).describe('name of the evaluate run'),
})

export const EVALUATION_PARAM_SCHEMAS = {
  'evaluation.list': NoParams,
  'evaluation.report': EvaluationReportSchema,
  'evaluation.predictions': EvaluationPredictionsSchema,
  'evaluation.csv': EvaluationCsvSchema,
  'evaluation.sources': NoParams,
  'evaluation.start': EvaluationStartSchema,
} as const

export type EvalSplit = 'test' | 'train'

export interface EvaluationSummary {
  runId: string
  name: string
  /** 'evaluate': several methods compared; 'eval': one model on one split (e.g. `tagi eval`). */
  stage: 'evaluate' | 'eval'
  status: string
  createdAt: string
  dataset: string
  /** The pipeline run this evaluation belongs to, if any. */
  pipeline: { runId: string; name: string } | null
  methods: string[]
  /** The headline: TAGI's (else the first method's) held-out ROUGE-L, when there is one. */
  headline: { method: string; rougeL: number } | null
  error: string | null
}

export interface EvaluationList {
  evaluations: EvaluationSummary[]
  unreadable: { id: string; error: string }[]
}

export interface SplitScore {
  rougeL: number | null
  exactMatch: number | null
  /** `scored/in split`, e.g. '4/4' (the teacher only covers tasks of groups it was trained on). */
  tasks: string
  instances: number
  evalRun: string | null
}

export interface MethodRow {
  method: string
  label: string
  heldOut: SplitScore
  train: SplitScore
  secondsPer100: number | null
  /** Wall time and FLOPs relative to the meta-trained model reading the full prompt. */
  relativeTime: number | null
  relativeFlops: number | null
}

export interface AblationRow {
  method: string
  label: string
  heldOut: number | null
  train: number | null
  /** Difference to the full method ('tagi'), in ROUGE-L points. */
  heldOutDelta: number | null
  trainDelta: number | null
}

export interface CellScore {
  rougeL: number
  exactMatch: number
  instances: number
}

export interface CategoryTable {
  split: EvalSplit
  categories: string[]
  rows: { method: string; label: string; cells: Record<string, (CellScore & { tasks: number }) | null> }[]
}

export interface TaskRow {
  split: EvalSplit
  task: string
  category: string
  cells: Record<string, (CellScore & { evalRun: string }) | null>
}

export interface EvaluationReport {
  runId: string
  name: string
  stage: 'evaluate' | 'eval'
  status: string
  createdAt: string
  dataset: string
  config: Record<string, unknown>
  pipeline: { runId: string; name: string; preset: string | null; backend: string | null; ablations: string[]; totalSeconds: number | null } | null
  methods: MethodRow[]
  /** The full method and its ablations (empty when the pipeline ran none). */
  ablations: AblationRow[]
  categories: CategoryTable[]
  tasks: TaskRow[]
  /** Eval runs the report refers to but could not read, with why. */
  problems: string[]
}

export interface PredictionRow {
  id: string
  /** The instance input from the dataset; null when the dataset is no longer where the run found it. */
  input: string | null
  prediction: string
  references: string[]
  /** ×100, as every score the studio shows. */
  rougeL: number
  exactMatch: number
}

export interface PredictionPage {
  evalRun: string
  method: string
  split: string
  task: string
  category: string
  total: number
  offset: number
  items: PredictionRow[]
  /** The task's mean scores over all its instances (×100). */
  mean: { rougeL: number; exactMatch: number }
  /** Why inputs are missing, when they are. */
  inputNote: string | null
}

export interface EvaluationCsv {
  fileName: string
  csv: string
  rows: number
}

export interface RunRef {
  runId: string
  name: string
  createdAt: string
}

/** A completed pipeline whose models can be evaluated again (other tasks, more instances). */
export interface EvaluationSource extends RunRef {
  dataset: string
  /** Methods it can evaluate besides the backbone: 'metatrain', 'teacher', 'tagi', ablations. */
  methods: string[]
}

export interface EvaluationSources {
  pipelines: EvaluationSource[]
  datasets: { ref: string; name: string }[]
}

export interface EvaluationMethodMap {
  'evaluation.list': { params: undefined; result: EvaluationList }
  'evaluation.report': { params: z.input<typeof EvaluationReportSchema>; result: EvaluationReport }
  'evaluation.predictions': { params: z.input<typeof EvaluationPredictionsSchema>; result: PredictionPage }
  'evaluation.csv': { params: z.input<typeof EvaluationCsvSchema>; result: EvaluationCsv }
  'evaluation.sources': { params: undefined; result: EvaluationSources }
  /** Starts the `tagi-evaluate` job; its progress and result come as job events. */
  'evaluation.start': { params: z.input<typeof EvaluationStartSchema>; result: JobState }
}

/** The job kind `evaluation.start` runs (engine/stages/evaluate.ts). */
export const EVALUATE_JOB_KIND = 'tagi-evaluate'

export interface EvaluationApi {
  listEvaluations(): Promise<EvaluationList>
  evaluationReport(runId: string): Promise<EvaluationReport>
  evaluationPredictions(params: z.input<typeof EvaluationPredictionsSchema>): Promise<PredictionPage>
  evaluationCsv(params: z.input<typeof EvaluationCsvSchema>): Promise<EvaluationCsv>
  evaluationSources(): Promise<EvaluationSources>
  startEvaluation(params: z.input<typeof EvaluationStartSchema>): Promise<JobState>
}

type Call = <M extends keyof EvaluationMethodMap>(method: M, params: EvaluationMethodMap[M]['params']) => Promise<EvaluationMethodMap[M]['result']>

export function evaluationApi(call: Call): EvaluationApi {
  return {
    listEvaluations: () => call('evaluation.list', undefined),
    evaluationReport: (runId) => call('evaluation.report', { runId }),
    evaluationPredictions: (params) => call('evaluation.predictions', params),
    evaluationCsv: (params) => call('evaluation.csv', params),
    evaluationSources: () => call('evaluation.sources', undefined),
    startEvaluation: (params) => call('evaluation.start', params),
  }
}
