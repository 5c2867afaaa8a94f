// The Adapters page in a real browser: a tiny TAGI pipeline is trained in-process on the SNI sample, the
// studio is started on its workspace, an adapter is generated in the Playground, and the newcomer's flow is
// driven in Chromium: follow the Playground's link, see the generated adapter compared with its nearest
// teacher (heatmaps with hover values, a module's spectrum, the teachers ranked), compare with a teacher
// folder typed in, see a bad folder's error where it happens, in both themes. Screenshots go to
// test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { initBackend } from '../../src-main/engine/backend/index.ts'
import { startStudioWeb, type StudioWeb } from './helpers/studio-process.ts'
import { launchBrowser, openStudio, screenshot, waitForTheme, type TestBrowser } from './helpers/browser.ts'
import { runTinyPipeline } from './helpers/tiny-pipeline.ts'

const workspace = mkdtempSync(join(tmpdir(), 'tagi-e2e-adapters-'))
let runs: Record<string, string>
let teacherGroups: string[]
let studio: StudioWeb
let browser: TestBrowser
let page: Page
let pageErrors: string[]

beforeAll(async () => {
  await initBackend()
  // The adapters' geometry, not their answers, is what this page shows: the fewest steps do.
  runs = (await runTinyPipeline(workspace, { stepScale: 0.01 })).results.runs
  teacherGroups = Object.keys(runs).filter((key) => key.startsWith('teacher:')).map((key) => key.slice('teacher:'.length))
  ;[studio, browser] = await Promise.all([startStudioWeb({ env: { TAGI_WORKSPACE: workspace } }), launchBrowser()])
  ;({ page, errors: pageErrors } = await openStudio(browser.context, studio.url))
})
afterAll(async () => {
  await browser?.close()
  await studio?.stop()
  rmSync(workspace, { recursive: true, force: true })
})

describe('adapters', () => {
  it('compares an adapter generated in the Playground with the teachers', async () => {
    await page.getByRole('link', { name: /^Playground/ }).click()
    await page.locator('#instruction-definition').fill('Answer the question about the passage.')
    await page.getByRole('button', { name: 'Generate adapter' }).click()
    await page.getByTestId('generation-ms').waitFor({ timeout: 60_000 })
    await page.getByRole('link', { name: /Compare this adapter with the teachers/ }).click()

    // The link preselects the generation as A and compares it with the teacher the engine ranks nearest.
    await page.getByTestId('heatmap-cosine').waitFor({ timeout: 60_000 })
    await page.getByTestId('heatmap-normRatio').waitFor()
    expect(await page.locator('select[name=adapter-a] option:checked').textContent()).toBe('Answer the question about the passage.')
    const ranking = page.getByTestId('nearest-table').locator('tbody tr')
    expect(await ranking.count()).toBe(teacherGroups.length)
    const nearest = (await ranking.first().locator('td').nth(1).textContent())!
    expect(teacherGroups.some((group) => nearest.startsWith(group))).toBe(true)
    expect(await page.locator('section[aria-labelledby=summary]').textContent()).toContain(`B: ${teacherGroups.find((group) => nearest.startsWith(group))}`)
    expect(await page.getByTestId('summary-mean-cosine').textContent()).toMatch(/^-?\d\.\d{3} \(every module counts the same\)$/)

    // 2 stacks of self-attention + cross-attention, q and v, 2 layers: 12 modules in each heatmap.
    const cells = page.locator('[data-testid=heatmap-cosine] g.cell')
    expect(await cells.count()).toBe(12)
    const cell = page.locator('[data-testid=heatmap-cosine] g.cell[data-module="decoder.block.1.layer.1.EncDecAttention.v"]')
    await cell.hover()
    const tooltip = page.getByTestId('heatmap-tooltip')
    expect(await tooltip.textContent()).toMatch(/^decoder\.block\.1\.layer\.1\.EncDecAttention\.vcosine: -?\d\.\d{3}$/)
    await cell.click()
    expect(await page.getByTestId('spectrum').locator('figcaption code').textContent()).toBe('decoder.block.1.layer.1.EncDecAttention.v')
    expect(await page.getByTestId('spectrum').locator('rect.a').count()).toBe(4)
    await screenshot(page, 'adapters-compare')
  })

  it('compares with a teacher chosen from the ranking, and with a PEFT folder typed in', async () => {
    // The farthest teacher, from the ranking's last row, becomes B.
    const lastCell = (await page.getByTestId('nearest-table').locator('tbody tr').last().locator('td').nth(1).textContent())!
    const farthest = teacherGroups.find((group) => lastCell.startsWith(group))!
    await page.getByRole('button', { name: `Compare with ${farthest}`, exact: true }).click()
    await page.waitForFunction((name) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('section[aria-labelledby=summary]')?.textContent.includes(`B: ${name}`) ?? false, farthest)
    expect(await page.locator('select[name=adapter-b] option:checked').textContent()).toBe(`${farthest} · ${runs[`teacher:${farthest}`]}`)

    const teacherRun = runs[`teacher:${teacherGroups[0]}`]!
    await page.locator('select[name=adapter-b]').selectOption('folder:')
    await page.getByLabel('Adapter B: PEFT adapter folder').fill(join(workspace, 'runs', teacherRun, 'adapter'))
    await page.keyboard.press('Control+Enter')
    await page.waitForFunction((run) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('section[aria-labelledby=summary]')?.textContent.includes(run) ?? false, teacherRun)

    await page.getByLabel('Adapter B: PEFT adapter folder').fill('/no/such/adapter')
    await page.getByRole('button', { name: 'Compare', exact: true }).click()
    expect(await page.getByTestId('compare-error').textContent()).toBe("'/no/such/adapter' is not a PEFT adapter folder (it has no adapter_config.json)")
  })

  it('reads in the dark theme too', async () => {
    await page.getByRole('link', { name: /^Settings/ }).click()
    await page.getByText('Dark', { exact: true }).click()
    await waitForTheme(page, 'dark')
    await page.getByRole('link', { name: /^Adapters/ }).click()
    await page.locator('select[name=adapter-b]').selectOption({ index: 0 }) // the teacher nearest to A
    await page.getByRole('button', { name: 'Compare', exact: true }).click()
    await page.getByTestId('heatmap-cosine').waitFor()
    await page.locator('[data-testid=heatmap-normRatio] g.cell').first().hover()
    expect(await page.getByTestId('heatmap-tooltip').textContent()).toMatch(/norm ratio A\/B: ×\d/)
    await screenshot(page, 'adapters-dark')
    await page.getByRole('link', { name: /^Settings/ }).click()
    await page.getByText('Light', { exact: true }).click()
    await waitForTheme(page, 'light')
  })

  it('keeps the page free of script errors', () => {
    expect(pageErrors).toEqual([])
  })
})
