// Playwright `_electron` smoke test of the built app. It needs the Electron binary and a display; where
// either is missing (as on this project's CI machine: the binary cannot be downloaded) it is skipped and
// the reason is printed in the test name and the skip note.
import { describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron } from 'playwright-core'
import { APP_DIR, electronUnavailableReason, findElectronBinary } from '../../src-main/electron/launch.ts'
import { screenshot } from './helpers/browser.ts'
import { EXPECTED_BACKEND } from './helpers/expected-backend.ts'

const reason = electronUnavailableReason()
const title = reason ? `launches the app (SKIPPED: ${reason})` : 'launches the app, isolated, with the engine in a utility process'

describe('Electron app', () => {
  it(title, async (context) => {
    if (reason) {
      console.warn(`Electron smoke test SKIPPED: ${reason}`)
      return context.skip(reason)
    }
    const binary = findElectronBinary()
    if (!binary.ok) throw new Error(binary.reason)
    const scratch = mkdtempSync(join(tmpdir(), 'tagi-electron-'))
    const app = await _electron.launch({
      executablePath: binary.path,
      // Chromium refuses to run as root with its OS sandbox (CI containers); the renderer sandbox stays on.
      args: [APP_DIR, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, TAGI_CONFIG_DIR: join(scratch, 'config'), TAGI_WORKSPACE: join(scratch, 'workspace') } as Record<string, string>,
      timeout: 120_000,
    })
    try {
      const page = await app.firstWindow({ timeout: 120_000 })
      await page.getByTestId('header-backend').filter({ hasNotText: '…' }).waitFor({ timeout: 120_000 })
      expect(await page.getByTestId('header-backend').textContent()).toBe(EXPECTED_BACKEND)
      // No Node in the page, and window.tagi exists: contextBridge refuses to expose anything without context isolation.
      expect(await page.evaluate('typeof require + " " + typeof process')).toBe('undefined undefined')
      expect(await page.evaluate('Object.keys(window.tagi).sort().join(",")')).toBe(
        'cancelJob,engineInfo,getJob,getSettings,jobKinds,listJobs,onEvent,restartEngine,startJob,updateSettings',
      )
      const info = (await page.evaluate('window.tagi.engineInfo()')) as { host: { transport: string; pid: number } }
      expect(info.host.transport).toBe('utility-process')
      expect(info.host.pid).not.toBe(await app.evaluate(() => process.pid))
      await page.getByRole('link', { name: /^Settings/ }).click()
      await page.getByTestId('engine-backend').waitFor()
      await screenshot(page, 'electron-settings')
    } finally {
      await app.close()
    }
  })
})
