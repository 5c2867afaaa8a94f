// The newcomer's journey (issue 6, "done when"), in ONE browser session against a fresh `tagi studio --web`
// and only through the UI: import the SNI sample on the Datasets page, launch the whole tiny pipeline on it
// from the Runs page and watch its loss curve and ETA while it trains, write a new instruction in the
// Playground and see the generated adapter change the backbone's answer, compare that adapter with the
// teachers on the Adapters page, and read the pipeline's method × split table on the Evaluation page down
// to one task's predictions. The page tests (datasets, runs, playground, adapters, evaluation) check each
// page in depth; this one checks that the pages hand over to each other, with nothing prepared outside
// the UI. Files on disk are read only to check what the UI shows. Screenshots: test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { REPO_ROOT, startStudioWeb, type StudioWeb } from './helpers/studio-process.ts'
import { launchBrowser, openStudio, screenshot, waitForHash, type TestBrowser } from './helpers/browser.ts'

const SAMPLE = resolve(REPO_ROOT, '../shared/data/sni/sample')
// Every stage at 5% of the tiny preset's steps (~15 steps each), one instance scored per task (the form's
// minimum: evalInstances is a positive integer): the whole pipeline in about a minute on 2 cores.
const STEP_SCALE = '0.05'
const EVAL_INSTANCES = '1'
const PIPELINE_NAME = 'journey pipeline'
// A task the sample does not have (checked below), so the adapter comes from the instruction alone.
const NEW_DEFINITION = 'Given the name of a fruit, answer with the colour it usually has when it is ripe.'
const HELD_OUT_TASK = 'task645_summarization'
const METHODS = ['backbone', 'metatrain', 'teacher', 'tagi']

let studio: StudioWeb
let browser: TestBrowser
let page: Page
let pageErrors: string[]
let pipelineRun: string
let results: { runs: Record<string, string>; scores: { method: string; split: string; rougeL: number | null; evalRun: string | null }[] }

beforeAll(async () => {
  ;[studio, browser] = await Promise.all([startStudioWeb(), launchBrowser()])
  ;({ page, errors: pageErrors } = await openStudio(browser.context, studio.url))
})
afterAll(async () => {
  await browser?.close()
  await studio?.stop()
})

const runFile = (runId: string, file: string) => readFileSync(join(studio.workspace, 'runs', runId, file), 'utf8')
// The test tsconfig has no DOM types (see helpers/browser.ts): the one global this reads, narrowly typed.
type ChartDocument = { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } }
const lossPoints = async () => Number((await page.locator('[data-testid=loss-chart][data-metric=loss]').first().getAttribute('data-points')) ?? 0)
/** Wait until the focused run's loss chart holds more than `count` points. */
async function waitForMorePoints(count: number, timeout: number): Promise<void> {
  await page.waitForFunction(
    (count) => Number((globalThis as unknown as ChartDocument).document.querySelector('[data-testid=loss-chart][data-metric=loss]')?.getAttribute('data-points')) > count,
    count,
    { timeout, polling: 100 },
  )
}

describe("a newcomer's journey through the studio", () => {
  let datasetId: string

  it('imports the SNI sample by its path and sees its tasks by category', async () => {
    await page.getByRole('link', { name: /^Datasets/ }).click()
    await page.getByTestId('datasets-empty').waitFor()
    await page.locator('#import-path').fill(SAMPLE)
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await page.locator('[data-testid=import-job][data-status=completed]').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('import-summary').textContent()).toContain('12 tasks (8 training, 4 held-out), 240 instances')
    datasetId = (await page.locator('[data-testid=dataset-list] tbody td.mono').first().textContent())!.trim()
    expect(readdirSync(join(studio.workspace, 'datasets'))).toEqual([datasetId])
    const categories = await page.getByRole('navigation', { name: 'Categories' }).getByRole('button').allTextContents()
    expect(categories).toHaveLength(12)
    await page.getByRole('navigation', { name: 'Categories' }).getByRole('button', { name: /^Keyword Tagging/ }).click()
    expect(await page.locator('[data-testid=task-list] tbody tr').allTextContents()).toEqual([expect.stringMatching(new RegExp(`^${HELD_OUT_TASK}\\d+held-out$`))])
    await screenshot(page, 'journey-1-dataset')
  })

  it('runs the tiny pipeline on it, watching the loss curve grow and the ETA, until it completes', async () => {
    await page.getByRole('link', { name: /^Runs/ }).click()
    await page.getByRole('heading', { level: 2, name: 'Runs' }).waitFor()
    expect(await page.locator('#launch-kind').inputValue()).toBe('tagi-pipeline')
    await page.locator('#opt-dataset').fill(datasetId)
    await page.locator('#opt-stepScale').fill(STEP_SCALE)
    await page.locator('#opt-evalInstances').fill(EVAL_INSTANCES)
    await page.locator('#opt-name').fill(PIPELINE_NAME)
    await page.getByRole('button', { name: 'Start', exact: true }).click()

    // The studio follows the pipeline from stage run to stage run; the focused stage's curve gains points.
    await waitForMorePoints(0, 60_000)
    const first = await lossPoints()
    await waitForMorePoints(first, 60_000)
    const running = page.locator('[data-testid=queue-job][data-status=running][data-kind=tagi-pipeline]')
    await running.getByTestId('queue-step').filter({ hasText: /^step \d+ \/ \d+ · \d+%$/ }).waitFor()
    expect(await running.getByTestId('queue-eta').textContent()).toMatch(/^ETA .+ · elapsed \d+/)
    expect(Number(await running.getByRole('progressbar').getAttribute('aria-valuenow'))).toBeGreaterThan(0)
    await screenshot(page, 'journey-2-training')

    const row = page.locator('[data-testid=run-row]', { has: page.getByRole('button', { name: PIPELINE_NAME, exact: true }) })
    await row.and(page.locator('[data-status=completed]')).waitFor({ timeout: 240_000 })
    pipelineRun = (await row.getAttribute('data-run-id'))!
    const config = JSON.parse(runFile(pipelineRun, 'run.json')).config
    expect(config).toMatchObject({ dataset: datasetId, stepScale: Number(STEP_SCALE), evalInstances: Number(EVAL_INSTANCES) })
    results = JSON.parse(runFile(pipelineRun, 'results.json'))
    expect(Object.keys(results.runs)).toEqual(expect.arrayContaining(['backbone', 'metatrain', 'hyper-pretrain', 'hyper-finetune']))
  })

  it('writes a new instruction in the Playground and sees the generated adapter change the answer', async () => {
    for (const split of ['train', 'test']) {
      for (const file of readdirSync(join(SAMPLE, split))) expect(JSON.parse(readFileSync(join(SAMPLE, split, file), 'utf8')).Definition).not.toContain(NEW_DEFINITION)
    }
    await page.keyboard.press('Alt+3')
    await waitForHash(page, '#/playground')
    await page.locator(`select[name=hyper] option[value="${results.runs['hyper-finetune']}"]`).waitFor({ state: 'attached' })
    await page.locator('select[name=hyper]').selectOption(results.runs['hyper-finetune']!)
    expect(await page.getByTestId('hyper-details').textContent()).toContain(`pipeline ${pipelineRun}`)
    await page.locator('#instruction-definition').fill(NEW_DEFINITION)
    await page.getByLabel('Input 1', { exact: true }).fill('banana')
    await page.getByRole('button', { name: 'Generate & run' }).click()
    await page.getByTestId('answers').waitFor({ timeout: 60_000 })

    // Raw decoded tokens: a tiny model may answer with special tokens only, which decode to the same text.
    const raw = (method: string) => page.getByTestId(`answer-0-${method}`).getByTestId('answer-raw').textContent()
    const [backbone, generated] = [await raw('backbone'), await raw('generated')]
    expect(backbone).toMatch(/ · \d+ tok$/)
    expect(generated).toMatch(/ · \d+ tok$/)
    expect(generated).not.toBe(backbone)
    await screenshot(page, 'journey-3-playground')
  })

  it('compares the generated adapter with the teachers', async () => {
    await page.getByRole('link', { name: /Compare this adapter with the teachers/ }).click()
    await page.getByTestId('heatmap-cosine').waitFor({ timeout: 60_000 })
    // A is the generation, labelled by its definition (long ones cut with an ellipsis).
    const labelA = (await page.locator('select[name=adapter-a] option:checked').textContent())!
    expect(labelA.length).toBeGreaterThan(20)
    expect(NEW_DEFINITION.startsWith(labelA.replace(/…$/, ''))).toBe(true)
    expect(await page.locator('[data-testid=heatmap-cosine] g.cell').count()).toBeGreaterThan(0)
    const teacherGroups = Object.keys(results.runs).filter((key) => key.startsWith('teacher:')).map((key) => key.slice('teacher:'.length))
    const ranking = page.getByTestId('nearest-table').locator('tbody tr')
    expect(await ranking.count()).toBeGreaterThanOrEqual(1)
    expect(await ranking.count()).toBe(teacherGroups.length)
    const nearest = (await ranking.first().locator('td').nth(1).textContent())!
    expect(teacherGroups.some((group) => nearest.startsWith(group))).toBe(true)
    await screenshot(page, 'journey-4-adapters')
  })

  it("reads the pipeline's evaluation table and one task's predictions", async () => {
    await page.getByRole('link', { name: /^Evaluation/ }).click()
    await page.getByRole('heading', { level: 2, name: 'Evaluation' }).waitFor()
    const entries = page.locator('[data-testid=evaluation-list] tbody tr')
    await entries.first().waitFor()
    expect(await entries.count()).toBe(1)
    await entries.first().getByRole('button').click()
    await page.getByTestId('methods-table').waitFor()
    const methods = await page.locator('[data-testid=methods-table] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-method')))
    expect(methods).toEqual(METHODS)
    const heldOut = (method: string) => results.scores.find((s) => s.method === method && s.split === 'test')!
    for (const method of ['backbone', 'metatrain', 'tagi']) {
      const cell = page.locator(`[data-testid=methods-table] tr[data-method="${method}"] td:nth-child(2)`)
      expect(await cell.textContent()).toBe(heldOut(method).rougeL!.toFixed(1))
    }
    // A teacher answers only the tasks of its own group: on the training split it has numbers.
    expect(await page.locator('[data-testid=methods-table] tr[data-method=teacher] td:nth-child(5)').textContent()).toMatch(/^\d+\.\d$/)

    await page.getByRole('button', { name: new RegExp(`^tagi on ${HELD_OUT_TASK}: ROUGE-L`) }).click()
    await page.getByTestId('predictions-view').waitFor()
    const lines = runFile(heldOut('tagi').evalRun!, 'predictions.jsonl')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.task === HELD_OUT_TASK)
    expect(lines.length).toBeGreaterThan(0)
    const rows = page.locator('[data-testid=predictions-table] tbody tr')
    expect(await rows.count()).toBe(lines.length)
    expect(await rows.first().locator('td:nth-child(3)').textContent()).toBe(lines[0].prediction || '(empty)')
    expect(await rows.first().locator('td:nth-child(4)').textContent()).toBe(lines[0].references.join(''))
    await screenshot(page, 'journey-5-evaluation')
  })

  it('logged no page errors on the way', () => {
    expect(pageErrors).toEqual([])
  })
})
