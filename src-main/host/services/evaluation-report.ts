/**
 * The evaluation report: the run store's score files turned into the tables of the paper (tagi-method.md
 * §7.1 main table: method × held-out / training tasks with inference cost; §7.4 ablations; per category; per
 * task). Every number comes from files the engine wrote: an `evaluate` run's comparison.json (stage f,
 * engine/stages/evaluate.ts) or, while it runs or after it failed, the `eval` runs it has finished; and each
 * `eval` run's scores.json (engine/eval/runner.ts). The method rows are the engine's own `comparisonRows`.
 */
import { existsSync, readFileSync } from 'node:fs'
import {
  StudioError,
  type AblationRow,
  type CategoryTable,
  type CellScore,
  type EvalSplit,
  type EvaluationReport,
  type EvaluationTable,
  type MethodRow,
  type TaskRow,
} from '../../contract/index.ts'
import { comparisonRows, type MethodScore } from '../../engine/stages/comparison.ts'
import type { Run, RunRecord } from '../../engine/store/run-store.ts'
import type { Workspace } from '../../engine/store/workspace.ts'

/** The methods of stage (f) that are not hypernetworks; every other method is TAGI or one of its ablations. */
const BASELINES = new Set(['backbone', 'metatrain', 'teacher'])
/** The full method, which every ablation is compared with. */
const FULL_METHOD = 'tagi'

interface ScoresFile {
  overall: { instances: number; rougeL: number; exactMatch: number; tasks: number; wallSeconds: number; flops: number }
  per_task: { task: string; category: string; instances: number; rougeL: number; exactMatch: number }[]
  per_category: { category: string; tasks: number; instances: number; rougeL: number; exactMatch: number }[]
}

export function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch (error) {
    throw new Error(`${what}: ${existsSync(file) ? 'not valid JSON' : 'missing'} (${file}${existsSync(file) ? `: ${(error as Error).message}` : ''})`)
  }
}

export function openRun(workspace: Workspace, runId: string): Run {
  try {
    return workspace.runs.open(runId)
  } catch (error) {
    throw new StudioError('not-found', (error as Error).message)
  }
}

/** How a standalone `eval` run (e.g. `tagi eval`) appears as one method on one split. */
export function standaloneCell(record: RunRecord): { method: string; label: string; split: EvalSplit } {
  const config = record.config
  const split = config.split === 'train' ? 'train' : 'test'
  const method = typeof config.method === 'string' ? config.method : config.adapter ? 'model+lora' : 'model'
  return { method, label: `${record.name}${config.split === 'all' ? ' (all tasks)' : ''}`, split }
}

/** The method × split scores of a report's run (see the header for where they come from). */
export function methodScores(workspace: Workspace, run: Run): MethodScore[] {
  const record = run.record
  if (record.stage === 'eval') {
    const { method, label, split } = standaloneCell(record)
    const overall = readJson<ScoresFile>(run.path('scores.json'), `eval run ${run.id}`).overall
    const tasks = overall.tasks
    return [{ method, label, split, tasks, taskCount: tasks, instances: overall.instances, rougeL: overall.rougeL, exactMatch: overall.exactMatch, wallSeconds: overall.wallSeconds, flops: overall.flops, evalRun: run.id }]
  }
  if (existsSync(run.path('comparison.json'))) return readJson<{ scores: MethodScore[] }>(run.path('comparison.json'), `evaluate run ${run.id}`).scores
  // Not finished: the eval runs it has completed so far, as stage (f) would have listed them.
  return workspace.runs
    .list()
    .runs.filter((r) => r.stage === 'eval' && r.parents.evaluate === run.id && r.status === 'completed')
    .reverse()
    .map((r) => {
      const overall = readJson<ScoresFile>(workspace.runs.open(r.id).path('scores.json'), `eval run ${r.id}`).overall
      const method = String(r.config.method ?? r.name)
      return { method, label: method, split: r.config.split === 'train' ? 'train' : 'test', tasks: overall.tasks, taskCount: overall.tasks, instances: overall.instances, rougeL: overall.rougeL, exactMatch: overall.exactMatch, wallSeconds: overall.wallSeconds, flops: overall.flops, evalRun: r.id } satisfies MethodScore
    })
}

function methodRows(scores: MethodScore[]): MethodRow[] {
  return comparisonRows(scores).map((row) => {
    const of = (split: EvalSplit, table: { rougeL: number | null; exactMatch: number | null; tasks: string }) => {
      const score = scores.find((s) => s.method === row.method && s.split === split)
      return { ...table, instances: score?.instances ?? 0, evalRun: score?.evalRun ?? null }
    }
    return { ...row, heldOut: of('test', row.heldOut), train: of('train', row.train) }
  })
}

function ablationRows(rows: MethodRow[]): AblationRow[] {
  const hypers = rows.filter((row) => !BASELINES.has(row.method))
  const full = hypers.find((row) => row.method === FULL_METHOD)
  // An ablation table needs the full method and at least one variant of it.
  if (!full || hypers.length < 2) return []
  const delta = (value: number | null, reference: number | null) => (value === null || reference === null ? null : value - reference)
  return hypers.map((row) => ({
    method: row.method,
    label: row.label,
    heldOut: row.heldOut.rougeL,
    train: row.train.rougeL,
    heldOutDelta: row.method === FULL_METHOD ? null : delta(row.heldOut.rougeL, full.heldOut.rougeL),
    trainDelta: row.method === FULL_METHOD ? null : delta(row.train.rougeL, full.train.rougeL),
  }))
}

function breakdowns(workspace: Workspace, scores: MethodScore[], problems: string[]): { categories: CategoryTable[]; tasks: TaskRow[] } {
  const categories: CategoryTable[] = []
  const tasks: TaskRow[] = []
  for (const split of ['test', 'train'] as const) {
    const cells = scores.filter((s) => s.split === split && s.evalRun)
    if (cells.length === 0) continue
    const table: CategoryTable = { split, categories: [], rows: [] }
    const taskRows = new Map<string, TaskRow>()
    for (const score of cells) {
      let file: ScoresFile
      try {
        file = readJson<ScoresFile>(openRun(workspace, score.evalRun!).path('scores.json'), `eval run ${score.evalRun} (${score.method}, ${split})`)
      } catch (error) {
        problems.push((error as Error).message)
        continue
      }
      const row: CategoryTable['rows'][number] = { method: score.method, label: score.label, cells: {} }
      for (const c of file.per_category) {
        row.cells[c.category] = { rougeL: c.rougeL, exactMatch: c.exactMatch, instances: c.instances, tasks: c.tasks }
        if (!table.categories.includes(c.category)) table.categories.push(c.category)
      }
      table.rows.push(row)
      for (const t of file.per_task) {
        const taskRow = taskRows.get(t.task) ?? { split, task: t.task, category: t.category, cells: {} }
        const cell: CellScore & { evalRun: string } = { rougeL: t.rougeL, exactMatch: t.exactMatch, instances: t.instances, evalRun: score.evalRun! }
        taskRow.cells[score.method] = cell
        taskRows.set(t.task, taskRow)
      }
    }
    table.categories.sort()
    categories.push(table)
    tasks.push(...[...taskRows.values()].sort((a, b) => a.category.localeCompare(b.category) || a.task.localeCompare(b.task)))
  }
  return { categories, tasks }
}

/** The pipeline run whose stage (f) is this evaluate run, if any. */
export function pipelineOf(workspace: Workspace, runId: string, records = workspace.runs.list().runs): RunRecord | null {
  return records.find((r) => r.stage === 'pipeline' && (r.summary.runs as Record<string, string> | undefined)?.evaluate === runId) ?? null
}

export function buildReport(workspace: Workspace, runId: string): EvaluationReport {
  const run = openRun(workspace, runId)
  const record = run.record
  if (record.stage !== 'evaluate' && record.stage !== 'eval') {
    throw new StudioError('invalid-params', `run ${runId} is a '${record.stage}' run; an evaluation report needs an 'evaluate' or 'eval' run`)
  }
  const scores = methodScores(workspace, run)
  const problems: string[] = []
  const methods = methodRows(scores)
  const { categories, tasks } = breakdowns(workspace, scores, problems)
  const pipelineRecord = record.stage === 'evaluate' ? pipelineOf(workspace, runId) : null
  let pipeline: EvaluationReport['pipeline'] = null
  if (pipelineRecord) {
    const resultsFile = workspace.runs.open(pipelineRecord.id).path('results.json')
    const results = existsSync(resultsFile) ? readJson<{ preset?: string; backend?: string; ablations?: string[]; totalSeconds?: number }>(resultsFile, `pipeline run ${pipelineRecord.id}`) : {}
    pipeline = {
      runId: pipelineRecord.id,
      name: pipelineRecord.name,
      preset: results.preset ?? (pipelineRecord.config.preset as string | undefined) ?? null,
      backend: results.backend ?? null,
      ablations: results.ablations ?? (pipelineRecord.config.ablations as string[] | undefined) ?? [],
      totalSeconds: results.totalSeconds ?? null,
    }
  }
  return {
    runId,
    name: record.name,
    stage: record.stage,
    status: record.status,
    createdAt: record.createdAt,
    dataset: String(record.config.dataset ?? record.config.tasks ?? record.parents.dataset ?? ''),
    config: record.config,
    pipeline,
    methods,
    ablations: ablationRows(methods),
    categories,
    tasks,
    problems,
  }
}

/** RFC 4180: a field with a comma, quote or line break is quoted, inner quotes doubled. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

function csv(header: string[], rows: (string | number | null)[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n'
}

/** One table of a report as CSV (scores ×100, as shown; empty cells where a method has no score). */
export function reportCsv(report: EvaluationReport, table: EvaluationTable): { csv: string; rows: number } {
  let header: string[]
  let rows: (string | number | null)[][]
  if (table === 'methods') {
    header = ['method', 'label', 'heldout_rougeL', 'heldout_exact_match', 'heldout_tasks', 'train_rougeL', 'train_exact_match', 'train_tasks', 'seconds_per_100', 'relative_time', 'relative_flops']
    rows = report.methods.map((m) => [m.method, m.label, m.heldOut.rougeL, m.heldOut.exactMatch, m.heldOut.tasks, m.train.rougeL, m.train.exactMatch, m.train.tasks, m.secondsPer100, m.relativeTime, m.relativeFlops])
  } else if (table === 'ablations') {
    if (report.ablations.length === 0) throw new StudioError('invalid-params', `report ${report.runId} has no ablations (its pipeline ran none)`)
    header = ['method', 'label', 'heldout_rougeL', 'heldout_delta', 'train_rougeL', 'train_delta']
    rows = report.ablations.map((a) => [a.method, a.label, a.heldOut, a.heldOutDelta, a.train, a.trainDelta])
  } else if (table === 'categories') {
    header = ['split', 'category', 'method', 'tasks', 'instances', 'rougeL', 'exact_match']
    rows = report.categories.flatMap((t) =>
      t.categories.flatMap((category) => t.rows.map((r) => [t.split, category, r.method, r.cells[category]?.tasks ?? null, r.cells[category]?.instances ?? null, r.cells[category]?.rougeL ?? null, r.cells[category]?.exactMatch ?? null])),
    )
  } else {
    header = ['split', 'task', 'category', 'method', 'instances', 'rougeL', 'exact_match']
    rows = report.tasks.flatMap((t) => Object.entries(t.cells).map(([method, c]) => [t.split, t.task, t.category, method, c?.instances ?? null, c?.rougeL ?? null, c?.exactMatch ?? null]))
  }
  return { csv: csv(header, rows), rows: rows.length }
}
