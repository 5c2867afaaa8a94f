// The Evaluation domain against an in-process engine host: a standalone eval run written by the engine's
// runner with a scripted predictor (exact, known scores), and a real tiny pipeline on the SNI sample with one
// ablation (stage f's comparison.json and eval runs). Checks the paper-style tables against the engine's own
// files, the drill-down to predictions with inputs, CSV, and launching an evaluation of the pipeline's models.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { EvaluationCsv, EvaluationList, EvaluationReport, EvaluationSources, JobState, PredictionPage } from '../../../src-main/contract/index.ts'
import { loadDataset, tasksOf } from '../../../src-main/engine/data/index.ts'
import { runEvaluation, evalTasksFromSni, type EvalTask } from '../../../src-main/engine/eval/index.ts'
import { comparisonRows, type MethodScore } from '../../../src-main/engine/stages/comparison.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import { inProcessHost, studioClient } from './helpers.ts'

const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')
const RIGHT = 'task1146_country_capital' // the scripted predictor answers with the reference
const WRONG = 'task095_conala_max_absolute_value' // … and with nonsense here

const workspace = mkdtempSync(join(tmpdir(), 'tagi-evaluation-'))
const host = inProcessHost(workspace)
afterAll(() => host.dispose())

const { call, failure, jobEnded: jobEndedWithin } = studioClient(host)
// A real tiny pipeline runs inside these jobs: allow minutes, not the default one.
const jobEnded = (id: string) => jobEndedWithin(id, 240_000)

let standaloneId = ''
let scriptedTasks: EvalTask[] = []
const scripted = { predictTask: async (task: EvalTask) => ({ predictions: task.instances.map((i) => (task.name === RIGHT ? i.references[0]! : 'zzzz qqqq')), flops: 0 }) }
let pipelineId = ''
let evaluateId = ''

beforeAll(async () => {
  await host.ready
  const dataset = await loadDataset(SAMPLE, { instancesPerTask: 3 })
  scriptedTasks = evalTasksFromSni(tasksOf(dataset, 'train').filter((t) => t.name === RIGHT || t.name === WRONG))
  const report = await runEvaluation({
    workspace: new Workspace(workspace),
    tasks: scriptedTasks,
    predictor: scripted,
    config: { method: 'scripted', split: 'train', dataset: SAMPLE, instancesPerTask: 3 },
    name: 'scripted eval',
  })
  standaloneId = report.runId
  // The real pipeline, as small as it goes: a handful of steps per stage, two instances scored per task.
  const started = await call<JobState>('jobs.start', { kind: 'tagi-pipeline', params: { preset: 'tiny', dataset: SAMPLE, stepScale: 0.02, evalInstances: 2, ablations: ['no-kl'] } })
  const job = await jobEnded(started.id)
  if (job.status !== 'completed') throw new Error(`the pipeline ${job.status}: ${job.error}`)
  pipelineId = (job.result as { runId: string }).runId
  evaluateId = (job.result as { results: { runs: Record<string, string> } }).results.runs.evaluate!
}, 300_000)

describe('evaluation service', () => {
  it('lists the pipeline evaluation (linked to its pipeline) and the standalone eval run, not stage f’s own eval runs', async () => {
    const { evaluations } = await call<EvaluationList>('evaluation.list')
    expect(evaluations.map((e) => e.runId).sort()).toEqual([evaluateId, standaloneId].sort())
    const evaluate = evaluations.find((e) => e.runId === evaluateId)!
    expect(evaluate).toMatchObject({ stage: 'evaluate', status: 'completed', dataset: SAMPLE, pipeline: { runId: pipelineId } })
    expect(evaluate.methods).toEqual(['backbone', 'metatrain', 'teacher', 'tagi', 'no-kl'])
    expect(evaluate.headline?.method).toBe('tagi')
    expect(evaluations.find((e) => e.runId === standaloneId)).toMatchObject({ stage: 'eval', methods: ['scripted'], headline: { method: 'scripted', rougeL: 50 } })
  })

  it('scores a standalone eval run per task and category exactly', async () => {
    const report = await call<EvaluationReport>('evaluation.report', { runId: standaloneId })
    expect(report.methods).toHaveLength(1)
    expect(report.methods[0]).toMatchObject({ method: 'scripted', train: { rougeL: 50, exactMatch: 50, tasks: '2/2', instances: 6, evalRun: standaloneId }, heldOut: { rougeL: null } })
    expect(report.tasks.map((t) => [t.task, t.cells.scripted?.rougeL, t.cells.scripted?.exactMatch])).toEqual([
      ['task1146_country_capital', 100, 100],
      ['task095_conala_max_absolute_value', 0, 0],
    ])
    expect(report.categories).toEqual([
      {
        split: 'train',
        categories: ['misc.', 'program_execution'],
        rows: [{ method: 'scripted', label: 'scripted eval', cells: { 'misc.': { rougeL: 100, exactMatch: 100, instances: 3, tasks: 1 }, program_execution: { rougeL: 0, exactMatch: 0, instances: 3, tasks: 1 } } }],
      },
    ])
  })

  it('drills down from a task to its predictions, references, inputs and per-instance scores', async () => {
    const page = await call<PredictionPage>('evaluation.predictions', { evalRun: standaloneId, task: RIGHT, offset: 1, limit: 5 })
    const source = JSON.parse(readFileSync(join(SAMPLE, 'train', `${RIGHT}.json`), 'utf8'))
    expect(page).toMatchObject({ method: 'scripted', split: 'train', task: RIGHT, category: 'misc.', total: 3, offset: 1, mean: { rougeL: 100, exactMatch: 100 }, inputNote: null })
    expect(page.items.map((i) => i.id)).toEqual(source.Instances.slice(1, 3).map((i: { id: string }) => i.id))
    expect(page.items[0]!.input).toBe(source.Instances[1].input)
    expect(page.items[0]!.prediction).toBe(page.items[0]!.references[0])
    const wrong = await call<PredictionPage>('evaluation.predictions', { evalRun: standaloneId, task: WRONG })
    expect(wrong.items.map((i) => [i.prediction, i.rougeL, i.exactMatch])).toEqual([['zzzz qqqq', 0, 0], ['zzzz qqqq', 0, 0], ['zzzz qqqq', 0, 0]])
    expect((await failure('evaluation.predictions', { evalRun: standaloneId, task: 'task999_nope' })).code).toBe('not-found')
    // A dataset that has gone since: the scores still show, and the page says why the inputs do not.
    const gone = await runEvaluation({ workspace: new Workspace(workspace), tasks: scriptedTasks, predictor: scripted, config: { method: 'scripted', split: 'train', dataset: '/nowhere/sni' } })
    const orphan = await call<PredictionPage>('evaluation.predictions', { evalRun: gone.runId, task: RIGHT })
    expect(orphan.items.map((i) => [i.input, i.rougeL])).toEqual([[null, 100], [null, 100], [null, 100]])
    expect(orphan.inputNote).toBe("the dataset '/nowhere/sni' is no longer in the workspace or on disk")
    expect((await failure('evaluation.predictions', { evalRun: evaluateId, task: RIGHT })).message).toContain("predictions live in 'eval' runs")
  })

  it('builds the method × split table from stage f’s comparison, with every eval run behind it', async () => {
    const report = await call<EvaluationReport>('evaluation.report', { runId: evaluateId })
    const comparison = JSON.parse(readFileSync(join(workspace, 'runs', evaluateId, 'comparison.json'), 'utf8')) as { scores: MethodScore[] }
    const engineRows = comparisonRows(comparison.scores)
    expect(report.methods.map((m) => m.method)).toEqual(['backbone', 'metatrain', 'teacher', 'tagi', 'no-kl'])
    for (const [i, row] of report.methods.entries()) {
      expect(row.heldOut).toMatchObject(engineRows[i]!.heldOut)
      expect(row.relativeTime).toBe(engineRows[i]!.relativeTime)
    }
    expect(report.methods[0]!.heldOut).toMatchObject({ tasks: '4/4', instances: 8 })
    expect(report.methods.find((m) => m.method === 'teacher')!.heldOut).toMatchObject({ tasks: '0/4', rougeL: null, evalRun: null })
    expect(report.pipeline).toMatchObject({ runId: pipelineId, preset: 'tiny', ablations: ['no-kl'] })
    expect(report.ablations.map((a) => a.method)).toEqual(['tagi', 'no-kl'])
    const tagi = report.methods.find((m) => m.method === 'tagi')!
    const noKl = report.methods.find((m) => m.method === 'no-kl')!
    expect(report.ablations[1]!.heldOutDelta).toBeCloseTo(noKl.heldOut.rougeL! - tagi.heldOut.rougeL!, 10)
    // Per category and per task, from each eval run's scores.json.
    expect(report.categories.map((c) => [c.split, c.categories.length])).toEqual([['test', 4], ['train', 8]])
    expect(report.tasks.filter((t) => t.split === 'test')).toHaveLength(4)
    expect(report.tasks.filter((t) => t.split === 'train')).toHaveLength(8)
    const backboneTest = report.tasks.find((t) => t.split === 'test')!.cells.backbone!
    const scores = JSON.parse(readFileSync(join(workspace, 'runs', backboneTest.evalRun, 'scores.json'), 'utf8'))
    expect(scores.per_task.map((t: { rougeL: number }) => t.rougeL)).toContain(backboneTest.rougeL)
    expect(report.problems).toEqual([])
  })

  it('exports every table as CSV built by the engine', async () => {
    const tasks = await call<EvaluationCsv>('evaluation.csv', { runId: standaloneId, table: 'tasks' })
    expect(tasks.fileName).toBe('scripted-eval-tasks.csv')
    expect(tasks.csv).toBe(
      'split,task,category,method,instances,rougeL,exact_match\n' +
        'train,task1146_country_capital,misc.,scripted,3,100,100\n' +
        'train,task095_conala_max_absolute_value,program_execution,scripted,3,0,0\n',
    )
    const methods = await call<EvaluationCsv>('evaluation.csv', { runId: evaluateId, table: 'methods' })
    expect(methods.rows).toBe(5)
    expect(methods.csv.split('\n')[3]).toMatch(/^teacher,"?teacher LoRA of the task's group \(full prompt\)"?,,,0\/4,/)
    expect((await call<EvaluationCsv>('evaluation.csv', { runId: evaluateId, table: 'ablations' })).rows).toBe(2)
    expect((await failure('evaluation.csv', { runId: standaloneId, table: 'ablations' })).message).toContain('has no ablations')
    expect((await failure('evaluation.csv', { runId: evaluateId, table: 'pivot' })).code).toBe('invalid-params')
  })

  it('offers the finished pipeline as a source and evaluates a subset of its methods as a job', async () => {
    const sources = await call<EvaluationSources>('evaluation.sources')
    expect(sources.pipelines).toMatchObject([{ runId: pipelineId, dataset: SAMPLE, methods: ['metatrain', 'teacher', 'tagi', 'no-kl'] }])
    expect(sources.datasets[0]).toEqual({ ref: 'suite', name: 'instruction suite (built-in)' })
    expect((await failure('evaluation.start', { pipeline: pipelineId, methods: ['tagi', 'no-ce'] })).message).toContain('cannot evaluate no-ce')
    expect((await failure('evaluation.start', { pipeline: evaluateId })).message).toContain("is a 'evaluate' run, not a pipeline")
    const started = await call<JobState>('evaluation.start', { pipeline: pipelineId, methods: ['tagi'], instancesPerTask: 1, trainInstancesPerTask: 0, name: 'quick look' })
    expect(started.kind).toBe('tagi-evaluate')
    const job = await jobEnded(started.id)
    expect(job.status).toBe('completed')
    const runId = (job.result as { runId: string }).runId
    const report = await call<EvaluationReport>('evaluation.report', { runId })
    expect(report.name).toBe('quick look')
    expect(report.methods.map((m) => [m.method, m.heldOut.instances, m.train.tasks])).toEqual([
      ['backbone', 4, '-'],
      ['tagi', 4, '-'],
    ])
    // The prompt the pipeline's own evaluation used, so the scores compare.
    const previous = JSON.parse(readFileSync(join(workspace, 'runs', evaluateId, 'run.json'), 'utf8')).config
    expect(report.config.prompt).toEqual(previous.prompt)
    expect(report.config.maxNewTokens).toBe(previous.maxNewTokens)
    expect((await call<EvaluationList>('evaluation.list')).evaluations[0]).toMatchObject({ runId, pipeline: null, methods: ['backbone', 'tagi'] })
  })
})
