/**
 * The evaluation runner: a prediction source × a set of SNI tasks → a run with stage 'eval' in the run store.
 *
 *   predictions.jsonl   one line per instance: task, category, id, prediction, references, rougeL, exact_match
 *   scores.json         overall, per-task and per-category scores, wall time and estimated FLOPs, the config
 *   scores.csv          one row per task
 *   per_category.csv    one row per category
 *   metrics.jsonl       one line per finished task (progress for the studio)
 *
 * Scores follow SNI's evaluation (scores.ts): micro-averages over instances × 100, max over references. Which
 * model answers, and how (backbone alone, full prompt, static LoRA, hypernetwork adapter), is the Predictor's
 * business (t5-predictor.ts), so the runner and its files are the same for every baseline.
 */
import { appendLine, writeFileAtomic, writeJsonAtomic } from '../store/atomic.ts'
import type { Run } from '../store/run-store.ts'
import type { Workspace } from '../store/workspace.ts'
import { averageBy, averageScores, scoreInstance, type GroupScore, type ScoredInstance } from './scores.ts'

export interface EvalInstance {
  id: string
  input: string
  references: string[]
}

/** A task as the runner sees it; `source` keeps whatever the predictor needs (definition, examples). */
export interface EvalTask<Source = unknown> {
  name: string
  /** SNI category key (`categoryKey` in scores.ts). */
  category: string
  instances: EvalInstance[]
  source: Source
}

/** What a predictor returns for one task: one prediction per instance, in order, and what it cost. */
export interface TaskPredictions {
  predictions: string[]
  /** Estimated FLOPs spent on the task (flops.ts); 0 when the source cannot tell. */
  flops: number
}

export interface Predictor<Source = unknown> {
  predictTask(task: EvalTask<Source>): Promise<TaskPredictions>
}

export interface TaskScore extends GroupScore {
  task: string
  category: string
  wallSeconds: number
  flops: number
}

export interface CategoryScore extends GroupScore {
  category: string
  tasks: number
}

export interface EvalReport {
  runId: string
  runDir: string
  overall: GroupScore & { tasks: number; wallSeconds: number; flops: number }
  perTask: TaskScore[]
  perCategory: CategoryScore[]
}

export interface EvalRunOptions<Source> {
  workspace: Workspace
  tasks: EvalTask<Source>[]
  predictor: Predictor<Source>
  /** The resolved evaluation config, saved in run.json and scores.json. */
  config: Record<string, unknown>
  parents?: Record<string, string | string[]>
  name?: string
  /** Called after each task, e.g. to print progress. */
  onTask?: (score: TaskScore, index: number, total: number) => void
}

export async function runEvaluation<Source>(options: EvalRunOptions<Source>): Promise<EvalReport> {
  const { workspace, tasks, predictor, config } = options
  if (tasks.length === 0) throw new Error('evaluation: no tasks to evaluate')
  const run = workspace.runs.create({ stage: 'eval', config, parents: options.parents, name: options.name })
  run.update({ status: 'running' })
  try {
    const scored: ScoredInstance[] = []
    const perTask: TaskScore[] = []
    for (const [index, task] of tasks.entries()) {
      const started = performance.now()
      const { predictions, flops } = await predictor.predictTask(task)
      const wallSeconds = (performance.now() - started) / 1000
      if (predictions.length !== task.instances.length) {
        throw new Error(`task '${task.name}': the predictor returned ${predictions.length} predictions for ${task.instances.length} instances`)
      }
      const taskScored = task.instances.map((instance, i) =>
        scoreInstance({
          task: task.name,
          category: task.category,
          id: instance.id,
          prediction: predictions[i]!,
          references: instance.references,
        }),
      )
      writePredictions(run, taskScored)
      scored.push(...taskScored)
      const score: TaskScore = { task: task.name, category: task.category, ...averageScores(taskScored), wallSeconds, flops }
      perTask.push(score)
      run.appendMetric({ task: task.name, index, rougeL: score.rougeL, exact_match: score.exactMatch, wall_s: wallSeconds, flops })
      options.onTask?.(score, index, tasks.length)
    }
    const perCategory: CategoryScore[] = [...averageBy(scored, (s) => s.category)].map(([category, group]) => ({ category, ...group }))
    perCategory.sort((a, b) => a.category.localeCompare(b.category))
    const overall = {
      ...averageScores(scored),
      tasks: perTask.length,
      wallSeconds: perTask.reduce((sum, t) => sum + t.wallSeconds, 0),
      flops: perTask.reduce((sum, t) => sum + t.flops, 0),
    }
    writeJsonAtomic(run.path('scores.json'), { overall, per_task: perTask, per_category: perCategory, config })
    writeFileAtomic(run.path('scores.csv'), taskCsv(perTask))
    writeFileAtomic(run.path('per_category.csv'), categoryCsv(perCategory))
    run.update({
      status: 'completed',
      summary: { rougeL: overall.rougeL, exact_match: overall.exactMatch, instances: overall.instances, tasks: overall.tasks },
    })
    return { runId: run.id, runDir: run.dir, overall, perTask, perCategory }
  } catch (error) {
    run.update({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
    throw error
  }
}

function writePredictions(run: Run, instances: readonly ScoredInstance[]): void {
  const lines = instances.map((s) =>
    JSON.stringify({
      task: s.task,
      category: s.category,
      id: s.id,
      prediction: s.prediction,
      references: s.references,
      rougeL: s.rougeL,
      exact_match: s.exactMatch,
    }),
  )
  // Appended per task, so a long evaluation that dies keeps the tasks it finished.
  if (lines.length > 0) appendLine(run.path('predictions.jsonl'), lines.join('\n'))
}

/** RFC 4180 quoting: fields with a comma, quote or newline are quoted, inner quotes doubled. */
function csvField(value: string | number): string {
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

function csv(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n'
}

function taskCsv(perTask: readonly TaskScore[]): string {
  return csv(
    ['task', 'category', 'instances', 'rougeL', 'exact_match', 'wall_s', 'flops'],
    perTask.map((t) => [t.task, t.category, t.instances, t.rougeL, t.exactMatch, t.wallSeconds, t.flops]),
  )
}

function categoryCsv(perCategory: readonly CategoryScore[]): string {
  return csv(
    ['category', 'tasks', 'instances', 'rougeL', 'exact_match'],
    perCategory.map((c) => [c.category, c.tasks, c.instances, c.rougeL, c.exactMatch]),
  )
}

/** A plain-text table of the report: tasks, then categories, then the overall line. */
export function formatReportTable(report: EvalReport): string {
  const fmt = (x: number): string => x.toFixed(2)
  const gflops = (x: number): string => (x / 1e9).toFixed(3)
  const taskRows = report.perTask.map((t) => [t.task, t.category, String(t.instances), fmt(t.rougeL), fmt(t.exactMatch), t.wallSeconds.toFixed(1), gflops(t.flops)])
  const categoryRows = report.perCategory.map((c) => [c.category, `${c.tasks} task(s)`, String(c.instances), fmt(c.rougeL), fmt(c.exactMatch), '', ''])
  const o = report.overall
  const overallRow = ['overall', `${o.tasks} task(s)`, String(o.instances), fmt(o.rougeL), fmt(o.exactMatch), o.wallSeconds.toFixed(1), gflops(o.flops)]
  return [
    alignTable(['task', 'category', 'n', 'rougeL', 'EM', 'wall s', 'GFLOPs'], taskRows),
    '',
    alignTable(['category', 'tasks', 'n', 'rougeL', 'EM', '', ''], categoryRows),
    '',
    alignTable(['', '', 'n', 'rougeL', 'EM', 'wall s', 'GFLOPs'], [overallRow]),
  ].join('\n')
}

/** Columns padded to their widest cell; text left-aligned, numbers (columns 2 onward) right-aligned. */
function alignTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows]
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c]!.length)))
  const line = (row: string[]): string =>
    row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  ').trimEnd(), ...rows.map(line)].join('\n')
}
