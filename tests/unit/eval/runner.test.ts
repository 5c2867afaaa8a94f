import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatReportTable, runEvaluation, type EvalTask, type Predictor } from '../../../src-main/engine/eval/runner.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'

const root = mkdtempSync(join(tmpdir(), 'tagi-eval-runner-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// Three tasks over two categories, with predictions the test controls: scores are known by hand.
const tasks: EvalTask<null>[] = [
  {
    name: 'task_a',
    category: 'title_generation',
    source: null,
    instances: [
      { id: 'a1', input: 'x', references: ['The cat sat'] }, // prediction 'the cat sat.' → R 1, EM 1
      { id: 'a2', input: 'x', references: ['dog'] }, // prediction 'cat' → R 0, EM 0
    ],
  },
  {
    name: 'task_b',
    category: 'title_generation',
    source: null,
    instances: [
      // prediction 'the cat sat' vs 'the cat was on the mat': F = 4/9; vs 'sat': F = 2·(1/3·1)/(1/3+1) = 0.5 → max 0.5
      { id: 'b1', input: 'x', references: ['the cat was on the mat', 'sat'] },
    ],
  },
  {
    name: 'task_c',
    category: 'word_analogy',
    source: null,
    instances: [
      { id: 'c1', input: 'x', references: ['Yes', 'No'] }, // prediction 'no' → 1, 1
      { id: 'c2', input: 'x', references: ['maybe'] }, // prediction '' → 0, 0
      { id: 'c3', input: 'x', references: ['a, b'] }, // prediction 'a b' → 1, EM 1
    ],
  },
]

const answers: Record<string, string> = { a1: 'the cat sat.', a2: 'cat', b1: 'the cat sat', c1: 'no', c2: '', c3: 'a b' }
const predictor: Predictor<null> = {
  async predictTask(task) {
    return { predictions: task.instances.map((i) => answers[i.id]!), flops: 1e9 * task.instances.length }
  },
}

describe('evaluation runner', () => {
  it('writes predictions, per-task, per-category and overall micro-averages into an eval run', async () => {
    const workspace = new Workspace(root)
    const seen: string[] = []
    const report = await runEvaluation({
      workspace,
      tasks,
      predictor,
      config: { model: 'fake' },
      onTask: (score, index, total) => seen.push(`${index + 1}/${total} ${score.task}`),
    })
    expect(seen).toEqual(['1/3 task_a', '2/3 task_b', '3/3 task_c'])

    const byTask = Object.fromEntries(report.perTask.map((t) => [t.task, t]))
    expect(byTask.task_a!.rougeL).toBeCloseTo(50, 10)
    expect(byTask.task_a!.exactMatch).toBeCloseTo(50, 10)
    expect(byTask.task_b!.rougeL).toBeCloseTo(50, 10)
    expect(byTask.task_b!.exactMatch).toBe(0)
    expect(byTask.task_c!.rougeL).toBeCloseTo(200 / 3, 10)
    expect(byTask.task_c!.flops).toBe(3e9)

    // Categories are micro-averaged over instances, not averages of task means.
    const byCategory = Object.fromEntries(report.perCategory.map((c) => [c.category, c]))
    expect(byCategory.title_generation).toMatchObject({ tasks: 2, instances: 3 })
    expect(byCategory.title_generation!.rougeL).toBeCloseTo((100 * (1 + 0 + 0.5)) / 3, 10)
    expect(byCategory.word_analogy!.exactMatch).toBeCloseTo(200 / 3, 10)
    expect(report.overall.instances).toBe(6)
    expect(report.overall.rougeL).toBeCloseTo((100 * (1 + 0 + 0.5 + 1 + 0 + 1)) / 6, 10)
    expect(report.overall.exactMatch).toBeCloseTo(50, 10)
    expect(report.overall.flops).toBe(6e9)

    const run = workspace.runs.open(report.runId)
    expect(run.record.stage).toBe('eval')
    expect(run.record.status).toBe('completed')
    expect(run.record.summary.rougeL).toBeCloseTo(report.overall.rougeL, 10)
    expect(run.readMetrics().map((m) => m.task)).toEqual(['task_a', 'task_b', 'task_c'])

    const lines = readFileSync(run.path('predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.id)).toEqual(['a1', 'a2', 'b1', 'c1', 'c2', 'c3'])
    expect(lines[2]).toMatchObject({ task: 'task_b', prediction: 'the cat sat', rougeL: 0.5, exact_match: 0 })

    const scores = JSON.parse(readFileSync(run.path('scores.json'), 'utf8'))
    expect(scores.overall.rougeL).toBeCloseTo(report.overall.rougeL, 10)
    expect(scores.per_task).toHaveLength(3)
    expect(scores.config).toEqual({ model: 'fake' })

    const csv = readFileSync(run.path('scores.csv'), 'utf8').trim().split('\n')
    expect(csv[0]).toBe('task,category,instances,rougeL,exact_match,wall_s,flops')
    expect(csv).toHaveLength(4)
    expect(csv[1]!.startsWith('task_a,title_generation,2,50,50,')).toBe(true)
    const categoryCsv = readFileSync(run.path('per_category.csv'), 'utf8').trim().split('\n')
    expect(categoryCsv[0]).toBe('category,tasks,instances,rougeL,exact_match')
    expect(categoryCsv[1]!.startsWith('title_generation,2,3,50,')).toBe(true)

    const table = formatReportTable(report)
    expect(table).toMatch(/^task\s+category\s+n\s+rougeL\s+EM\s+wall s\s+GFLOPs$/m)
    expect(table).toMatch(/^task_c\s+word_analogy\s+3\s+66\.67\s+66\.67\s/m)
    expect(table).toMatch(/^overall\s+3 task\(s\)\s+6\s+58\.33\s+50\.00\s/m)
  })

  it('marks the run failed and names the task when a predictor returns the wrong number of predictions', async () => {
    const workspace = new Workspace(root)
    const broken: Predictor<null> = { predictTask: async () => ({ predictions: ['only one'], flops: 0 }) }
    await expect(runEvaluation({ workspace, tasks, predictor: broken, config: {} })).rejects.toThrow(
      /task 'task_a': the predictor returned 1 predictions for 2 instances/,
    )
    const failed = workspace.runs.list().runs.find((r) => r.status === 'failed')
    expect(failed?.error).toMatch(/task_a/)
    await expect(runEvaluation({ workspace, tasks: [], predictor, config: {} })).rejects.toThrow(/no tasks/)
  })
})
