// The Datasets page in a real browser against `tagi studio --web`: import ../shared/data/sni/sample by typing
// its path, watch the progress, browse tasks by category and read one (definition, paged instances), choose
// held-out tasks (saved into dataset.json, kept after a reload), read the statistics; per-file errors of a
// folder with broken files, a missing path, and the built-in suite in one click. Screenshots in both themes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { REPO_ROOT, startStudioWeb, type StudioWeb } from './helpers/studio-process.ts'
import { launchBrowser, openStudio, screenshot, waitForTheme, type TestBrowser } from './helpers/browser.ts'

const SAMPLE = resolve(REPO_ROOT, '../shared/data/sni/sample')
const TASK = 'task1146_country_capital'

let studio: StudioWeb
let browser: TestBrowser
let page: Page
let pageErrors: string[]
const scratch = mkdtempSync(join(tmpdir(), 'tagi-e2e-datasets-'))

beforeAll(async () => {
  ;[studio, browser] = await Promise.all([startStudioWeb(), launchBrowser()])
  ;({ page, errors: pageErrors } = await openStudio(browser.context, studio.url))
  await page.getByRole('link', { name: /^Datasets/ }).click()
  await page.getByRole('heading', { level: 2, name: 'Datasets' }).waitFor()
})
afterAll(async () => {
  await browser?.close()
  await studio?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

async function importPath(path: string): Promise<void> {
  await page.locator('#import-path').fill(path)
  await page.getByRole('button', { name: 'Import', exact: true }).click()
}
const importDone = () => page.locator('[data-testid=import-job]:is([data-status=completed],[data-status=failed])').waitFor({ timeout: 60_000 })
const datasetJson = (id: string) => JSON.parse(readFileSync(join(studio.workspace, 'datasets', id, 'dataset.json'), 'utf8'))

describe('Datasets page', () => {
  it('says what to do when the workspace has no dataset', async () => {
    await page.getByTestId('datasets-empty').waitFor()
    expect(await page.getByTestId('datasets-empty').textContent()).toContain('Type the path of a folder of SNI task files')
    await screenshot(page, 'datasets-1-empty')
  })

  it('shows the engine’s error for a path that does not exist', async () => {
    await importPath(join(scratch, 'missing'))
    await importDone()
    expect(await page.getByTestId('import-job-error').textContent()).toBe(`no such file or folder: ${join(scratch, 'missing')}`)
  })

  it('imports the SNI sample by typed path, with progress, and lists its tasks by category', async () => {
    await page.keyboard.press('Escape')
    await page.keyboard.press('i') // the shortcut focuses the path field
    expect(await page.evaluate('document.activeElement.id')).toBe('import-path')
    await importPath(SAMPLE)
    await page.locator('[data-testid=import-job][data-status=completed]').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('import-count').textContent()).toBe('12 / 12 files')
    expect(await page.getByRole('progressbar', { name: 'Import progress' }).getAttribute('aria-valuenow')).toBe('100')
    expect(await page.getByTestId('import-summary').textContent()).toContain('12 tasks (8 training, 4 held-out), 240 instances')
    await page.locator('[data-testid=dataset-list] tbody tr').first().waitFor()
    expect(await page.locator('[data-testid=dataset-list] tbody tr').count()).toBe(1)
    expect(await page.getByTestId('dataset-source').textContent()).toBe(`${SAMPLE} (SNI folder, split-folders layout)`)
    const categories = await page.getByRole('navigation', { name: 'Categories' }).getByRole('button').allTextContents()
    expect(categories).toHaveLength(12)
    await page.getByRole('navigation', { name: 'Categories' }).getByRole('button', { name: /^Misc\./ }).click()
    expect(await page.locator('[data-testid=task-list] tbody tr').allTextContents()).toEqual([`${TASK}20training`])
    await screenshot(page, 'datasets-2-imported')
  })

  it('opens a task: definition, examples and instances paged with the arrow keys', async () => {
    const source = JSON.parse(readFileSync(join(SAMPLE, 'train', `${TASK}.json`), 'utf8'))
    await page.getByRole('button', { name: TASK }).click()
    await page.getByTestId('task-view').waitFor()
    expect(await page.getByTestId('task-definition').first().textContent()).toBe(source.Definition[0])
    expect(await page.getByTestId('instance-range').textContent()).toContain('1–10 of 20')
    expect(await page.locator('[data-testid=instance-table] tbody tr td:nth-child(2)').first().textContent()).toBe(source.Instances[0].input)
    await page.locator('body').click({ position: { x: 5, y: 700 } }) // leave any focused field, so the arrows page
    await page.keyboard.press('ArrowRight')
    await page.getByTestId('instance-range').filter({ hasText: '11–20 of 20' }).waitFor()
    expect(await page.locator('[data-testid=instance-table] tbody tr td:nth-child(2)').first().textContent()).toBe(source.Instances[10].input)
    await screenshot(page, 'datasets-3-task')
  })

  it('moves a task to the held-out split, saves it into dataset.json and keeps it after a reload', async () => {
    await page.getByRole('tab', { name: 'Split' }).click()
    expect(await page.getByTestId('split-counts').textContent()).toBe('8 training · 4 held-out · 0 not used')
    await page.locator(`select[name="split-${TASK}"]`).selectOption('test')
    expect(await page.getByTestId('split-counts').textContent()).toBe('7 training · 5 held-out · 0 not used')
    await page.getByRole('button', { name: 'Save split' }).click()
    await page.getByTestId('split-saved').waitFor()
    const id = (await page.locator('[data-testid=dataset-list] tbody td.mono').first().textContent())!
    const record = datasetJson(id)
    expect(record.splits.test).toContain(TASK)
    expect(record.importedSplits.train).toContain(TASK)
    expect(record.splitEditedAt).toMatch(/^\d{4}-/)
    expect(await page.getByTestId('dataset-split').textContent()).toMatch(/^7 training, 5 held-out \(edited .*; imported as 8 \/ 4\)$/)
    await screenshot(page, 'datasets-4-split')
    await page.reload()
    await page.getByTestId('header-backend').filter({ hasNotText: '…' }).waitFor()
    await page.getByRole('tab', { name: 'Split' }).click()
    expect(await page.locator(`select[name="split-${TASK}"]`).inputValue()).toBe('test')
    // Every task held out: the engine refuses and says why, next to the editor.
    for (const select of await page.locator('[data-testid=split-editor] select').all()) await select.selectOption('test')
    await page.getByRole('button', { name: 'Save split' }).click()
    expect(await page.getByTestId('split-error').textContent()).toContain('a split needs at least one training task')
    await page.getByRole('button', { name: 'Reset' }).click()
    expect(await page.getByTestId('split-counts').textContent()).toBe('7 training · 5 held-out · 0 not used')
  })

  it('shows statistics in words and characters, clearly labelled', async () => {
    await page.getByRole('tab', { name: 'Statistics' }).click()
    await page.getByTestId('stats-counts').waitFor()
    expect(await page.getByTestId('stats-counts').textContent()).toContain('7training tasks · 140 inst.')
    expect(await page.getByTestId('stats-basis').textContent()).toContain('not token counts')
    expect(await page.locator('[data-testid=stats-lengths] tbody tr').count()).toBe(6)
    await screenshot(page, 'datasets-5-stats')
  })

  it('exports the held-out tasks as JSONL, and says what is wrong with a relative path', async () => {
    await page.getByText('Export as JSONL').click()
    await page.locator('input[name=exportPath]').fill('held-out.jsonl')
    await page.getByRole('button', { name: 'Export', exact: true }).click()
    expect(await page.getByTestId('export-error').textContent()).toBe("params.path: expected an absolute path to a .jsonl file (found: 'held-out.jsonl')")
    const out = join(scratch, 'held-out.jsonl')
    await page.locator('input[name=exportPath]').fill(out)
    await page.locator('select[name=exportSplit]').selectOption('test')
    await page.getByRole('button', { name: 'Export', exact: true }).click()
    expect(await page.getByTestId('export-result').textContent()).toBe(`Wrote 100 lines (5 tasks) to ${out}.`)
    expect(readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line).task)).toContain(TASK)
  })

  it('lists the files it could not import, with the reason, and imports the built-in suite in one click', async () => {
    const folder = join(scratch, 'with-broken-files')
    cpSync(join(SAMPLE, 'test'), folder, { recursive: true })
    writeFileSync(join(folder, 'task900_broken.json'), '{"Definition": [')
    await importPath(folder)
    await page.getByTestId('import-summary').filter({ hasText: 'with-broken-files' }).waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-testid=import-skipped] tbody tr').allTextContents()).toEqual([expect.stringMatching(/^task900_broken\.jsonnot valid JSON/)])
    await screenshot(page, 'datasets-6-skipped-files')
    await page.getByRole('button', { name: 'Import the built-in instruction suite' }).click()
    await page.getByTestId('import-summary').filter({ hasText: 'instruction suite (built-in)' }).waitFor({ timeout: 60_000 })
    expect(await page.locator('[data-testid=dataset-list] tbody tr').count()).toBe(3)
  })

  it('reads well in the dark theme', async () => {
    await page.getByRole('link', { name: /^Settings/ }).click()
    await page.getByText('Dark', { exact: true }).click()
    await waitForTheme(page, 'dark')
    await page.getByRole('link', { name: /^Datasets/ }).click()
    await page.getByRole('tab', { name: 'Tasks' }).click()
    await page.getByTestId('task-list').waitFor()
    await screenshot(page, 'datasets-7-dark')
    await page.getByRole('link', { name: /^Settings/ }).click()
    await page.getByText('Light', { exact: true }).click()
    await waitForTheme(page, 'light')
  })

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([])
  })
})
