/**
 * The Runs domain: the run store (engine/store/run-store.ts: `runs/<id>/run.json` + `metrics.jsonl` +
 * checkpoints) as the studio's Runs page reads it: the list with the job writing each run, one run's
 * config and provenance (its `parents`, resolved to runs and datasets, and the runs built from it), its
 * metrics (incremental with `since`, for live charts), the config difference between two runs, and resume
 * (start the run's stage again with `resume: <id>`, which continues from its last checkpoint).
 * Shared with the renderer: no Node imports.
 */
import { z } from 'zod'
import type { JobState } from './jobs.ts'

// Declared here, not imported from protocol.ts: protocol.ts imports this file (no import cycle).
const NoParams = z.strictObject({}).optional()
const RunId = z.string().min(1).describe('the run id, as `runs.list` gives it (run-…)')

export const RunGetSchema = z.strictObject({ id: RunId })

export const RunMetricsSchema = z.strictObject({
  id: RunId,
  since: z.number().int().nonnegative().default(0).describe('only rows with step > since: pass the last step already held for incremental reads (0 = the whole history)'),
})

export const RunDiffSchema = z.strictObject({
  a: RunId.describe('the run on the left of the comparison'),
  b: RunId.describe('the run on the right of the comparison'),
})

export const RunResumeSchema = z.strictObject({ id: RunId.describe('the run to continue from its last checkpoint') })

export const RUNS_PARAM_SCHEMAS = {
  'runs.list': NoParams,
  'runs.get': RunGetSchema,
  'runs.metrics': RunMetricsSchema,
  'runs.diff': RunDiffSchema,
  'runs.resume': RunResumeSchema,
} as const

export const RUN_STATUSES = ['created', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const
export type RunStatusName = (typeof RUN_STATUSES)[number]

/** A run as the list shows it (run.json without the config, plus what the host knows about it now). */
export interface RunSummary {
  id: string
  name: string
  /** The stage that made it: backbone, metatrain, teacher, hyper-pretrain, hyper-finetune, evaluate, pipeline, eval … */
  stage: string
  status: RunStatusName
  createdAt: string
  updatedAt: string
  /** Ids of the runs and datasets it was built from, by role, as run.json records them. */
  parents: Record<string, string | string[]>
  summary: Record<string, unknown>
  error: string | null
  /** The job that is writing this run right now (a pipeline's job for its stage runs); null when none is. */
  jobId: string | null
  /** The job kind that makes runs of this stage (to launch another like it); null for runs no job kind makes. */
  kind: string | null
  /** `runs.resume` can continue it: its stage resumes, it is not completed and no job is writing it. */
  resumable: boolean
  /** Step of its last checkpoint; null without one. */
  checkpointStep: number | null
}

export interface RunList {
  runs: RunSummary[]
  /** Folders under runs/ whose run.json cannot be read, with why. */
  unreadable: { id: string; error: string }[]
}

/** Where a parent reference of run.json points. */
export type ProvenanceTarget =
  | { kind: 'run'; id: string; name: string; stage: string; status: RunStatusName }
  | { kind: 'dataset'; id: string; name: string }
  | { kind: 'suite' }
  | { kind: 'folder'; path: string }
  | { kind: 'missing'; reason: string }

export interface ProvenanceLink {
  /** The parent's role: dataset, backbone, teachers, metatrain, pretrained, hypers … */
  role: string
  /** The reference exactly as run.json holds it. */
  ref: string
  target: ProvenanceTarget
}

export interface RunDetail extends RunSummary {
  /** The fully resolved config the run was made with. */
  config: Record<string, unknown>
  /** Its run folder on the engine host's machine. */
  dir: string
  /** What it was built from, one link per referenced id. */
  provenance: ProvenanceLink[]
  /** Runs that name this one as a parent (and a pipeline's stage runs), by role. */
  children: { role: string; id: string; name: string; stage: string; status: RunStatusName }[]
  /** Entries of the run folder (checkpoint, model, adapter, results.json …). */
  files: string[]
}

/** One metrics.jsonl line: its step and every numeric value it holds (loss terms, lr, tokens/s …). */
export type MetricRow = { step: number } & Record<string, number>

export interface RunMetrics {
  id: string
  /** Rows with step > `since`, in file order. */
  rows: MetricRow[]
  /** Every numeric key in the whole file except step and time, in first-seen order. */
  keys: string[]
  /** The last step in the file (0 when empty): the next `since`. */
  lastStep: number
  /** Rows in the whole file. */
  total: number
}

export const DIFF_STATUSES = ['changed', 'added', 'removed', 'same'] as const
export type DiffStatus = (typeof DIFF_STATUSES)[number]

/** One flattened config key (`training.learningRate`); `a` / `b` are absent where the key is. */
export interface ConfigDiffEntry {
  path: string
  status: DiffStatus
  a?: unknown
  b?: unknown
}

export interface RunDiff {
  a: { id: string; name: string; stage: string }
  b: { id: string; name: string; stage: string }
  /** Every key of either config, sorted by path. */
  entries: ConfigDiffEntry[]
  counts: Record<DiffStatus, number>
}

export interface RunsMethodMap {
  'runs.list': { params: undefined; result: RunList }
  'runs.get': { params: z.input<typeof RunGetSchema>; result: RunDetail }
  'runs.metrics': { params: z.input<typeof RunMetricsSchema>; result: RunMetrics }
  'runs.diff': { params: z.input<typeof RunDiffSchema>; result: RunDiff }
  'runs.resume': { params: z.input<typeof RunResumeSchema>; result: JobState }
}

export interface RunsApi {
  listRuns(): Promise<RunList>
  getRun(id: string): Promise<RunDetail>
  /** Metric rows with step > since (the whole history by default). */
  runMetrics(id: string, since?: number): Promise<RunMetrics>
  diffRuns(a: string, b: string): Promise<RunDiff>
  /** Queue the run's stage again with `resume: id`; it continues from the run's last checkpoint. */
  resumeRun(id: string): Promise<JobState>
}

type Call = <M extends keyof RunsMethodMap>(method: M, params: RunsMethodMap[M]['params']) => Promise<RunsMethodMap[M]['result']>

export function runsApi(call: Call): RunsApi {
  return {
    listRuns: () => call('runs.list', undefined),
    getRun: (id) => call('runs.get', { id }),
    runMetrics: (id, since = 0) => call('runs.metrics', { id, since }),
    diffRuns: (a, b) => call('runs.diff', { a, b }),
    resumeRun: (id) => call('runs.resume', { id }),
  }
}
