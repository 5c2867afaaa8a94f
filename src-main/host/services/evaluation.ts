/**
 * The Evaluation domain service: lists the evaluations of the workspace (stage (f) `evaluate` runs, with the
 * pipeline each belongs to, and standalone `eval` runs), serves their report (evaluation-report.ts), a task's
 * predictions next to the references and the instance inputs, CSV of any table, and launches an evaluation
 * of a finished pipeline's models through the pipeline's own `tagi-evaluate` job kind (no second evaluator).
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  EVALUATE_JOB_KIND,
  StudioError,
  type EvaluationSource,
  type EvaluationSummary,
  type PredictionPage,
} from '../../contract/index.ts'
import { discoverTaskSource, INSTRUCTION_SUITE_DIR, listDatasets, parseTaskText } from '../../engine/data/index.ts'
import type { RunRecord } from '../../engine/store/run-store.ts'
import { Workspace } from '../../engine/store/workspace.ts'
import { buildReport, openRun, pipelineOf, readJson, reportCsv, standaloneCell } from './evaluation-report.ts'
import type { DomainService, HostContext } from './types.ts'

/** The stage keys a pipeline run records (engine/stages/pipeline.ts `runs`), and the methods they give. */
const TEACHER_PREFIX = 'teacher:'
const HYPER_KEY = 'hyper-finetune'

function headlineOf(record: RunRecord): EvaluationSummary['headline'] {
  if (record.stage === 'eval') return typeof record.summary.rougeL === 'number' ? { method: standaloneCell(record).method, rougeL: record.summary.rougeL } : null
  const scores = (record.summary.scores as { method: string; split: string; rougeL: number | null }[] | undefined) ?? []
  const heldOut = scores.filter((s) => s.split === 'test' && s.rougeL !== null)
  const best = heldOut.find((s) => s.method === 'tagi') ?? heldOut[0]
  return best ? { method: best.method, rougeL: best.rougeL! } : null
}

function summaryOf(workspace: Workspace, record: RunRecord, records: RunRecord[]): EvaluationSummary {
  const pipeline = record.stage === 'evaluate' ? pipelineOf(workspace, record.id, records) : null
  const methods =
    record.stage === 'eval'
      ? [standaloneCell(record).method]
      : ['backbone', ...(record.config.metatrain ? ['metatrain'] : []), ...((record.config.teachers as string[] | undefined)?.length ? ['teacher'] : []), ...Object.keys((record.config.hypers as Record<string, string> | undefined) ?? {})]
  return {
    runId: record.id,
    name: record.name,
    stage: record.stage as 'evaluate' | 'eval',
    status: record.status,
    createdAt: record.createdAt,
    dataset: String(record.config.dataset ?? record.config.tasks ?? record.parents.dataset ?? ''),
    pipeline: pipeline ? { runId: pipeline.id, name: pipeline.name } : null,
    methods,
    headline: headlineOf(record),
    error: record.error ?? null,
  }
}

/** The folder holding the task files of an eval run's dataset reference ('suite', a folder, a dataset id). */
function datasetFolder(workspace: Workspace, ref: string): string | null {
  if (ref === 'suite') return INSTRUCTION_SUITE_DIR
  if (existsSync(join(workspace.datasetsDir, ref, 'dataset.json'))) return join(workspace.datasetsDir, ref)
  return existsSync(ref) ? ref : null
}

/** Instance id → input for one task of a dataset, or why it cannot be read. */
async function taskInputs(workspace: Workspace, ref: string, task: string): Promise<Map<string, string> | string> {
  const folder = datasetFolder(workspace, ref)
  if (!folder) return `the dataset '${ref}' is no longer in the workspace or on disk`
  try {
    const file = discoverTaskSource(folder).files.find((f) => f.name === task || f.name === task.replace(/[^\w.-]/g, '_'))
    if (!file) return `the dataset '${ref}' has no task file for '${task}'`
    const parsed = parseTaskText(await readFile(file.path, 'utf8'), task, { instancesPerTask: Number.MAX_SAFE_INTEGER, requireEnglish: false })
    return new Map(parsed.task.instances.map((instance) => [instance.id, instance.input]))
  } catch (error) {
    // The scores stand without the inputs: say why they are missing rather than failing the drill-down.
    return `cannot read the task from ${folder} (${(error as Error).message})`
  }
}

interface PredictionLine {
  task: string
  category: string
  id: string
  prediction: string
  references: string[]
  rougeL: number
  exact_match: number
}

function pipelineSource(record: RunRecord): EvaluationSource | null {
  const runs = (record.summary.runs as Record<string, string> | undefined) ?? {}
  if (record.status !== 'completed' || !runs.backbone || !runs[HYPER_KEY]) return null
  const methods = [
    ...(runs.metatrain ? ['metatrain'] : []),
    ...(Object.keys(runs).some((key) => key.startsWith(TEACHER_PREFIX)) ? ['teacher'] : []),
    'tagi',
    ...Object.keys(runs)
      .filter((key) => key.startsWith(`${HYPER_KEY}:`))
      .map((key) => key.slice(HYPER_KEY.length + 1)),
  ]
  return { runId: record.id, name: record.name, createdAt: record.createdAt, dataset: String(record.config.dataset ?? record.parents.dataset), methods }
}

export const evaluationService: DomainService = ({ workspaceDir, jobs }: HostContext) => {
  // Opened per request, not here: a host whose workspace cannot be created must still start and say why.
  const open = () => new Workspace(workspaceDir)
  return {
    'evaluation.list': () => {
      const workspace = open()
      const { runs, unreadable } = workspace.runs.list()
      const evaluations = runs.filter((r) => r.stage === 'evaluate' || (r.stage === 'eval' && !r.parents.evaluate)).map((r) => summaryOf(workspace, r, runs))
      return { evaluations, unreadable }
    },

    'evaluation.report': ({ runId }) => buildReport(open(), runId),

    'evaluation.predictions': async ({ evalRun, task, offset, limit }): Promise<PredictionPage> => {
      const workspace = open()
      const run = openRun(workspace, evalRun)
      if (run.record.stage !== 'eval') throw new StudioError('invalid-params', `run ${evalRun} is a '${run.record.stage}' run; predictions live in 'eval' runs`)
      const file = run.path('predictions.jsonl')
      if (!existsSync(file)) throw new StudioError('not-found', `eval run ${evalRun} has no predictions.jsonl yet`)
      const lines = (await readFile(file, 'utf8'))
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as PredictionLine)
        .filter((line) => line.task === task)
      if (lines.length === 0) throw new StudioError('not-found', `eval run ${evalRun} has no predictions for task '${task}'`)
      const ref = String(run.record.config.dataset ?? run.record.config.tasks ?? '')
      const inputs = await taskInputs(workspace, ref, task)
      const { method, split } = run.record.parents.evaluate ? { method: String(run.record.config.method), split: String(run.record.config.split) } : standaloneCell(run.record)
      const meanOf = (key: 'rougeL' | 'exact_match') => (100 * lines.reduce((sum, line) => sum + line[key], 0)) / lines.length
      return {
        evalRun,
        method,
        split,
        task,
        category: lines[0]!.category,
        total: lines.length,
        offset,
        items: lines.slice(offset, offset + limit).map((line) => ({
          id: line.id,
          input: typeof inputs === 'string' ? null : (inputs.get(line.id) ?? null),
          prediction: line.prediction,
          references: line.references,
          rougeL: 100 * line.rougeL,
          exactMatch: 100 * line.exact_match,
        })),
        mean: { rougeL: meanOf('rougeL'), exactMatch: meanOf('exact_match') },
        inputNote: typeof inputs === 'string' ? inputs : null,
      }
    },

    'evaluation.csv': ({ runId, table }) => {
      const report = buildReport(open(), runId)
      const slug = report.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'evaluation'
      return { fileName: `${slug}-${table}.csv`, ...reportCsv(report, table) }
    },

    'evaluation.sources': () => {
      const workspace = open()
      const pipelines = workspace.runs
        .list()
        .runs.filter((r) => r.stage === 'pipeline')
        .map(pipelineSource)
        .filter((source): source is EvaluationSource => source !== null)
      const datasets = [{ ref: 'suite', name: 'instruction suite (built-in)' }, ...listDatasets(workspace).datasets.map((d) => ({ ref: d.id, name: d.name }))]
      return { pipelines, datasets }
    },

    'evaluation.start': (params) => {
      const workspace = open()
      const pipeline = openRun(workspace, params.pipeline).record
      if (pipeline.stage !== 'pipeline') throw new StudioError('invalid-params', `params.pipeline: run ${pipeline.id} is a '${pipeline.stage}' run, not a pipeline`)
      const source = pipelineSource(pipeline)
      if (!source) throw new StudioError('invalid-params', `params.pipeline: pipeline ${pipeline.id} has status '${pipeline.status}' and no finished hypernetwork; it must complete first`)
      const methods = params.methods ?? source.methods
      const unknown = methods.filter((m) => !source.methods.includes(m))
      if (unknown.length) throw new StudioError('invalid-params', `params.methods: pipeline ${pipeline.id} cannot evaluate ${unknown.join(', ')} (expected some of: ${source.methods.join(', ')})`)
      const runs = pipeline.summary.runs as Record<string, string>
      const hypers = Object.fromEntries(methods.filter((m) => m !== 'metatrain' && m !== 'teacher').map((m) => [m, runs[m === 'tagi' ? HYPER_KEY : `${HYPER_KEY}:${m}`]!]))
      // Prompt, generation length and batch size as the pipeline's own evaluation used them, so scores compare.
      const previous = runs.evaluate ? readJson<RunRecord>(join(workspace.runs.root, runs.evaluate, 'run.json'), `evaluate run ${runs.evaluate}`).config : {}
      const plan = ((pipeline.config.plan as { evaluate?: Record<string, unknown> } | undefined)?.evaluate ?? {}) as Record<string, unknown>
      const inherited = Object.fromEntries(['prompt', 'maxNewTokens', 'batchSize'].map((key) => [key, previous[key] ?? plan[key]]).filter(([, value]) => value !== undefined))
      return jobs.start({
        kind: EVALUATE_JOB_KIND,
        params: {
          ...inherited,
          dataset: params.dataset ?? source.dataset,
          backbone: runs.backbone,
          metatrain: methods.includes('metatrain') ? runs.metatrain : null,
          teachers: methods.includes('teacher') ? Object.entries(runs).filter(([key]) => key.startsWith(TEACHER_PREFIX)).map(([, id]) => id) : [],
          hypers,
          instancesPerTask: params.instancesPerTask,
          trainInstancesPerTask: params.trainInstancesPerTask,
          name: params.name,
        },
      })
    },
  }
}
