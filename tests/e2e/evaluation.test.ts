// The Evaluation page in a real browser against `tagi studio --web`. Setup runs the real TAGI pipeline on
// ../shared/data/sni/sample with tiny step counts and one ablation (`tagi pipeline`, ~15 s), into the
// workspace the studio then opens. In the UI: read the method × split table (checked against the engine's
// comparison.json), the ablation and per-category tables, drill down from a task to its predictions next to
// the references (checked against predictions.jsonl), export CSV as a download, and launch a short
// evaluation of the pipeline's models, watching its progress until its report opens. Screenshots as output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'
import { REPO_ROOT, startStudioWeb, type StudioWeb } from './helpers/studio-process.ts'
import { launchBrowser, openStudio, screenshot, waitForTheme, type TestBrowser } from './helpers/browser.ts'

const SAMPLE = resolve(REPO_ROOT, '../shared/data/sni/sample')
const workspace = mkdtempSync(join(tmpdir(), 'tagi-e2e-evaluation-'))

let studio: StudioWeb
let browser: TestBrowser
let page: Page
let pageErrors: string[]
let pipeline: { runId: string; runs: Record<string, string>; scores: { method: string; split: string; rougeL: number | null; evalRun: string | null }[] }

const runFile = (runId: string, file: string) => readFileSync(join(workspace, 'runs', runId, file), 'utf8')

beforeAll(async () => {
  const json = join(workspace, 'pipeline.json')
  // The smallest real pipeline: a few steps per stage, 2 instances scored per task (pipeline.ts stepScale/evalInstances).
  const args = ['bin/tagi.mjs', 'pipeline', '--dataset', SAMPLE, '--step-scale', '0.02', '--eval-instances', '2', '--ablation', 'no-kl', '--quiet', '--json', json, '--workspace', workspace]
  await promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, maxBuffer: 16 << 20 })
  pipeline = JSON.parse(readFileSync(json, 'utf8'))
  ;[studio, browser] = await Promise.all([startStudioWeb({ env: { TAGI_WORKSPACE: workspace } }), launchBrowser()])
  ;({ page, errors: pageErrors } = await openStudio(browser.context, studio.url))
  await page.getByRole('link', { name: /^Evaluation/ }).click()
  await page.getByRole('heading', { level: 2, name: 'Evaluation' }).waitFor()
}, 300_000)
afterAll(async () => {
  await browser?.close()
  await studio?.stop()
  rmSync(workspace, { recursive: true, force: true })
})

const cell = (method: string, column: number) => page.locator(`[data-testid=methods-table] tr[data-method="${method}"] td:nth-child(${column + 1})`).textContent()
const heldOut = (method: string) => pipeline.scores.find((s) => s.method === method && s.split === 'test')!

describe('Evaluation page', () => {
  it("reads the pipeline's evaluation as the paper's method × split table, with the ablation", async () => {
    await page.locator('[data-testid=evaluation-list] tbody tr').first().waitFor()
    expect(await page.locator('[data-testid=evaluation-list] tbody tr').count()).toBe(1)
    await page.getByTestId('methods-table').waitFor()
    const methods = await page.locator('[data-testid=methods-table] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-method')))
    expect(methods).toEqual(['backbone', 'metatrain', 'teacher', 'tagi', 'no-kl'])
    for (const method of ['backbone', 'tagi', 'no-kl']) expect(await cell(method, 1)).toBe(heldOut(method).rougeL!.toFixed(1))
    expect(await cell('backbone', 3)).toBe('4/4')
    expect(await cell('teacher', 1)).toBe('–') // no teacher covers a held-out task's group
    expect(await cell('teacher', 3)).toBe('0/4')
    expect(await page.locator('[data-testid=ablation-table] tbody tr').count()).toBe(2)
    await screenshot(page, 'evaluation-1-report')
  })

  it('breaks scores down per category and task, for held-out and training tasks', async () => {
    const headers = () => page.locator('[data-testid=category-table] thead th').count()
    expect(await headers()).toBe(1 + 4) // method + the 4 held-out categories
    expect(await page.locator('[data-testid=task-table] tbody tr').count()).toBe(4)
    await page.locator('fieldset label', { hasText: 'Training tasks' }).click()
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('[data-testid=task-table] tbody tr').length === 8)
    expect(await headers()).toBe(1 + 8)
    await page.locator('fieldset label', { hasText: 'Held-out tasks' }).click()
  })

  it('drills down from a task to its predictions next to the references', async () => {
    const task = 'task645_summarization'
    await page.getByRole('button', { name: new RegExp(`^tagi on ${task}: ROUGE-L`) }).click()
    await page.getByTestId('predictions-view').waitFor()
    const lines = runFile(heldOut('tagi').evalRun!, 'predictions.jsonl')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.task === task)
    const rows = page.locator('[data-testid=predictions-table] tbody tr')
    expect(await rows.count()).toBe(lines.length)
    const source = JSON.parse(readFileSync(join(SAMPLE, 'test', `${task}.json`), 'utf8'))
    expect(await rows.first().locator('td:nth-child(2)').textContent()).toBe(source.Instances[0].input)
    expect(await rows.first().locator('td:nth-child(3)').textContent()).toBe(lines[0].prediction || '(empty)')
    expect(await rows.first().locator('td:nth-child(4)').textContent()).toBe(lines[0].references.join(''))
    expect(await rows.first().locator('td:nth-child(5)').textContent()).toBe((100 * lines[0].rougeL).toFixed(1))
    await screenshot(page, 'evaluation-2-predictions')
    await page.locator('body').click({ position: { x: 5, y: 700 } })
    await page.keyboard.press('Escape')
    await page.getByTestId('predictions-view').waitFor({ state: 'detached' })
  })

  it('exports the method table as CSV built by the engine', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-methods').click()])
    expect(download.suggestedFilename()).toMatch(/^evaluate-.*-methods\.csv$/)
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n')
    expect(csv[0]).toBe('method,label,heldout_rougeL,heldout_exact_match,heldout_tasks,train_rougeL,train_exact_match,train_tasks,seconds_per_100,relative_time,relative_flops')
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['backbone', 'metatrain', 'teacher', 'tagi', 'no-kl'])
    expect(csv.find((line) => line.startsWith('tagi,'))!.split(',')[2]).toBe(String(heldOut('tagi').rougeL))
    expect(await page.getByTestId('export-done').textContent()).toContain('(5 rows)')
  })

  it('launches a short evaluation of the pipeline’s models and opens its report when done', async () => {
    await page.locator('select[name=pipeline]').waitFor()
    for (const method of ['metatrain', 'teacher', 'no-kl']) await page.locator(`input[name=method-${method}]`).uncheck()
    await page.locator('input[name=instancesPerTask]').fill('2')
    await page.locator('input[name=trainInstancesPerTask]').fill('0')
    await page.locator('input[name=name]').fill('e2e quick look')
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click()
    // Two methods on 4 tasks × 2 instances take a second or two: it may already be done when first seen.
    await page.locator('[data-testid=launch-job]:is([data-status=running],[data-status=completed])').waitFor({ timeout: 60_000 })
    await screenshot(page, 'evaluation-3-running')
    await page.locator('[data-testid=launch-job][data-status=completed]').waitFor({ timeout: 120_000 })
    await page.getByRole('heading', { level: 3, name: 'e2e quick look' }).waitFor()
    const methods = await page.locator('[data-testid=methods-table] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-method')))
    expect(methods).toEqual(['backbone', 'tagi'])
    expect(await cell('tagi', 3)).toBe('4/4')
    expect(await page.locator('[data-testid=evaluation-list] tbody tr').count()).toBe(2)
    expect(await page.getByRole('progressbar', { name: 'Evaluation progress' }).getAttribute('aria-valuenow')).toBe('100')
    expect(await page.getByTestId('launch-message').textContent()).toMatch(/^tagi on test: ROUGE-L \d+\.\d$/)
    await screenshot(page, 'evaluation-4-launched')
  })

  it('reads well in the dark theme', async () => {
    await page.getByRole('link', { name: /^Settings/ }).click()
    await page.getByText('Dark', { exact: true }).click()
    await waitForTheme(page, 'dark')
    await page.getByRole('link', { name: /^Evaluation/ }).click()
    await page.getByTestId('methods-table').waitFor()
    await screenshot(page, 'evaluation-5-dark')
    await page.getByRole('link', { name: /^Settings/ }).click()
    await page.getByText('Light', { exact: true }).click()
    await waitForTheme(page, 'light')
  })

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([])
  })
})
