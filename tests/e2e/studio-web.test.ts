// The studio in a real browser: `tagi studio --web` on a random port with a temporary workspace and
// settings folder, driven by Debian's Chromium. Screenshots of every page go to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import type { Page } from 'playwright-core'
import { startStudioWeb, type StudioWeb } from './helpers/studio-process.ts'
import { launchBrowser, openStudio, screenshot, waitForHash as waitForHashIn, waitForTheme, type TestBrowser } from './helpers/browser.ts'
import { EXPECTED_BACKEND } from './helpers/expected-backend.ts'

const PAGES = ['Datasets', 'Runs', 'Playground', 'Adapters', 'Evaluation', 'Settings']

let studio: StudioWeb
let browser: TestBrowser
let page: Page
let pageErrors: string[]

beforeAll(async () => {
  ;[studio, browser] = await Promise.all([startStudioWeb(), launchBrowser()])
  ;({ page, errors: pageErrors } = await openStudio(browser.context, studio.url))
})
afterAll(async () => {
  await browser?.close()
  await studio?.stop()
})

const progressValue = () => page.getByRole('progressbar').getAttribute('aria-valuenow').then(Number)

// In-app navigation changes only the hash: no load event, so wait on location.hash itself.
const waitForHash = (hash: string) => waitForHashIn(page, hash)

async function openSettings(): Promise<void> {
  await page.getByRole('link', { name: /^Settings/ }).click()
  await page.getByTestId('engine-backend').waitFor()
}

describe('studio in the browser', () => {
  it('refuses requests without the session token', async () => {
    expect((await fetch(`${studio.origin}/`)).status).toBe(401)
    expect((await fetch(`${studio.origin}/api/rpc`, { method: 'POST', body: '{"id":1,"method":"jobs.list"}' })).status).toBe(401)
    const status = await new Promise<number>((done, fail) => {
      const ws = new WebSocket(`${studio.origin.replace('http', 'ws')}/ws`)
      ws.once('unexpected-response', (_req, res) => done(res.statusCode ?? 0))
      ws.once('open', () => done(101))
      ws.once('error', fail)
    })
    expect(status).toBe(401)
    const tokenless = await browser.context.newPage()
    const response = await tokenless.goto(`${studio.origin}/`)
    expect(response?.status()).toBe(401)
    expect(await tokenless.textContent('body')).toContain('needs its session token')
    await screenshot(tokenless, 'tokenless-401')
    await tokenless.close()
  })

  it('shows the engine backend in the header and the status panel', async () => {
    expect(await page.getByTestId('header-backend').textContent()).toBe(EXPECTED_BACKEND)
    await openSettings()
    expect(await page.getByTestId('engine-backend').textContent()).toBe(EXPECTED_BACKEND)
    expect(await page.getByTestId('engine-tfjs').textContent()).toMatch(/^4\.\d+\.\d+$/)
    expect(await page.getByTestId('engine-reason').textContent()).toContain(EXPECTED_BACKEND === 'wasm' ? 'wasm is the best that started' : 'tensorflow')
    expect(await page.getByText(`${studio.workspace} (from env)`).count()).toBe(1)
    expect(await page.getByTestId('engine-status').textContent()).toMatch(/^ready: engine ready on /)
  })

  it('navigates every page by link and by Alt+n, marking the current one', async () => {
    for (const [index, title] of PAGES.entries()) {
      await page.getByRole('link', { name: new RegExp(`^${title}`) }).click()
      await waitForHash(`#/${title.toLowerCase()}`)
      // The hash changes first; Svelte then marks the link and the header (wait for them, do not race them).
      await page.getByRole('link', { name: new RegExp(`^${title}`) }).and(page.locator('[aria-current="page"]')).waitFor()
      await page.locator('header h1', { hasText: new RegExp(`^${title}$`) }).waitFor()
      if (title !== 'Settings') expect(await page.getByRole('heading', { level: 2, name: title }).count()).toBe(1)
      else await page.getByTestId('engine-backend').waitFor()
      await screenshot(page, `page-${index + 1}-${title.toLowerCase()}`)
    }
    await page.keyboard.press('Alt+2')
    await waitForHash('#/runs')
    await page.locator('[aria-current="page"]', { hasText: 'Runs' }).waitFor()
    await page.keyboard.press('Alt+6')
    await waitForHash('#/settings')
    // From the top of the page, Tab reaches the skip link, then the first nav link, with a visible focus ring.
    await page.reload()
    await page.getByTestId('header-backend').filter({ hasNotText: '…' }).waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content')
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement.textContent')).toContain('Datasets')
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid')
    await page.keyboard.press('Enter')
    await waitForHash('#/datasets')
  })

  it('switches the theme, saves it, and keeps it after a reload', async () => {
    await openSettings()
    const theme = () => page.evaluate('document.documentElement.dataset.theme')
    await page.getByText('Dark', { exact: true }).click()
    await waitForTheme(page, 'dark')
    const saved = JSON.parse(readFileSync(join(studio.configDir, 'settings.json'), 'utf8'))
    expect(saved.theme).toBe('dark')
    await screenshot(page, 'settings-dark')
    await page.reload()
    await page.getByTestId('header-backend').filter({ hasNotText: '…' }).waitFor()
    await waitForTheme(page, 'dark')
    expect(await theme()).toBe('dark')
    expect(await page.getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true)
    await page.getByText('Light', { exact: true }).click()
    await waitForTheme(page, 'light')
    expect(JSON.parse(readFileSync(join(studio.configDir, 'settings.json'), 'utf8')).theme).toBe('light')
  })

  it('runs the matMul job and shows its progress and result', async () => {
    await openSettings()
    // Enough repeats that the run lasts a few seconds and its progress can be seen moving.
    await page.locator('input[name=repeats]').fill('40')
    await page.getByRole('button', { name: 'Run benchmark' }).click()
    await page.waitForFunction(() => {
      const bar = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } }).document.querySelector('[role=progressbar]')
      const value = Number(bar?.getAttribute('aria-valuenow'))
      return value > 0 && value < 100
    }, undefined, { timeout: 60_000 })
    expect(await page.getByTestId('matmul-status').textContent()).toBe('running')
    expect(await page.getByTestId('matmul-message').textContent()).toMatch(/^\d+×\d+: [\d.]+ GFLOP\/s$/)
    await screenshot(page, 'matmul-running')
    await page.locator('[data-testid=matmul-job][data-status=completed]').waitFor({ timeout: 120_000 })
    expect(await progressValue()).toBe(100)
    const rows = await page.locator('[data-testid=matmul-result] tbody tr').allTextContents()
    expect(rows.map((row) => row.split('×')[0])).toEqual(['256', '512', '1024'])
    const gflops = await page.locator('[data-testid=matmul-result] tbody tr td:nth-child(3)').allTextContents()
    for (const value of gflops) expect(Number(value)).toBeGreaterThan(0)
    await screenshot(page, 'matmul-result')
  })

  it('cancels a running job and shows a bad-params error from the engine', async () => {
    await openSettings()
    await page.locator('input[name=sizes]').fill('1024')
    await page.locator('input[name=repeats]').fill('200')
    await page.getByRole('button', { name: 'Run benchmark' }).click()
    await page.locator('[data-testid=matmul-job][data-status=running]').waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.locator('[data-testid=matmul-job][data-status=cancelled]').waitFor({ timeout: 60_000 })
    expect(await progressValue()).toBeLessThan(100)

    await page.locator('input[name=sizes]').fill('8')
    await page.getByRole('button', { name: 'Run benchmark' }).click()
    await page.getByTestId('matmul-error').waitFor()
    expect(await page.getByTestId('matmul-error').textContent()).toContain('params.sizes.0: Too small: expected number to be >=16 (found: 8)')
    await screenshot(page, 'matmul-cancelled-and-error')
  })

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([])
  })
})
