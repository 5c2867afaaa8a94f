/**
 * Debian's Chromium driven by playwright-core (environment.md §6): headless, no sandbox (CI runs as root),
 * no background network, a fresh profile per launch. `openStudio` loads a page and waits until the engine's
 * backend shows in the header; `screenshot` saves under test-results/screenshots/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { REPO_ROOT } from './studio-process.ts'

export const CHROMIUM_PATH = process.env.TAGI_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots')

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export interface TestBrowser {
  context: BrowserContext
  close(): Promise<void>
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'tagi-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 820 },
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Open a studio URL and wait for the engine's backend name in the header; collects page errors. */
export async function openStudio(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()))
  await page.goto(url)
  await page.getByTestId('header-backend').filter({ hasNotText: '…' }).waitFor({ timeout: 60_000 })
  return { page, errors }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  // From the top: the header and nav are sticky, and a full-page capture keeps the current scroll offset.
  await page.evaluate('window.scrollTo(0, 0)')
  await page.screenshot({ path, fullPage: true })
  return path
}

// Playwright evaluates string predicates with eval, which the studio's CSP (rightly) forbids: use functions.
// The test tsconfig has no DOM types, hence the narrow casts to the few globals these read.
type PageGlobals = { location: { hash: string }; document: { documentElement: { dataset: Record<string, string | undefined> } } }

export async function waitForHash(page: Page, hash: string): Promise<void> {
  await page.waitForFunction((expected) => (globalThis as unknown as PageGlobals).location.hash === expected, hash)
}

export async function waitForTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.waitForFunction((expected) => (globalThis as unknown as PageGlobals).document.documentElement.dataset.theme === expected, theme)
}
