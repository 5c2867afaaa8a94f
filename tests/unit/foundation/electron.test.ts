// Electron-only code under plain Node with `electron` mocked (environment.md §8): the navigation and
// window-open guards, the IPC surface (one channel per method, foreign frames refused) and the launcher's
// checks for an Electron binary and a display.
import { describe, expect, it, vi } from 'vitest'
import { EventEmitter } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const electron = vi.hoisted(() => ({
  openExternal: [] as string[],
  handlers: new Map<string, (event: unknown, params: unknown) => Promise<unknown>>(),
}))
vi.mock('electron', () => ({
  shell: { openExternal: async (url: string) => void electron.openExternal.push(url) },
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, params: unknown) => Promise<unknown>) => electron.handlers.set(channel, handler),
    removeHandler: (channel: string) => electron.handlers.delete(channel),
  },
}))

const { hardenWebContents, isAppUrl, isSafeExternalUrl } = await import('../../../src-main/electron/security.ts')
const { registerIpcHandlers } = await import('../../../src-main/electron/ipc.ts')
const { findDisplay, findElectronBinary } = await import('../../../src-main/electron/launch.ts')
const { METHOD_NAMES } = await import('../../../src-main/contract/index.ts')

const APP = 'file:///opt/tagi/out/renderer/index.html'

describe('security guards', () => {
  it('lets only plain web links out, to the system browser', () => {
    expect(isSafeExternalUrl('https://arxiv.org/abs/2406.12382')).toBe(true)
    expect(isSafeExternalUrl('http://example.com')).toBe(true)
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com', 'not a url']) {
      expect(isSafeExternalUrl(url)).toBe(false)
    }
  })

  it('recognises the app page and nothing else', () => {
    expect(isAppUrl(`${APP}#/settings`, APP)).toBe(true)
    expect(isAppUrl('file:///etc/passwd', APP)).toBe(false)
    expect(isAppUrl('https://evil.example/', APP)).toBe(false)
    expect(isAppUrl('http://localhost:5173/#/runs', 'http://localhost:5173/')).toBe(true)
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false)
  })

  it('blocks navigation away, webviews and new windows', () => {
    const contents = new EventEmitter() as EventEmitter & { setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => void }
    let openHandler: (details: { url: string }) => { action: string } = () => ({ action: 'allow' })
    contents.setWindowOpenHandler = (handler) => (openHandler = handler)
    hardenWebContents(contents as never, APP)

    const navigate = (url: string) => {
      let prevented = false
      contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url)
      return prevented
    }
    expect(navigate('https://evil.example/')).toBe(true)
    expect(navigate(`${APP}#/runs`)).toBe(false)
    let webviewPrevented = false
    contents.emit('will-attach-webview', { preventDefault: () => (webviewPrevented = true) })
    expect(webviewPrevented).toBe(true)

    expect(openHandler({ url: 'https://github.com/Xnhyacinth/TAGI' })).toEqual({ action: 'deny' })
    expect(openHandler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(electron.openExternal).toEqual(['https://github.com/Xnhyacinth/TAGI'])
  })
})

describe('IPC handlers', () => {
  it('registers one channel per contract method and refuses foreign frames', async () => {
    const seen: unknown[] = []
    const service = {
      handle: async (raw: unknown) => {
        seen.push(raw)
        return { id: (raw as { id: number }).id, ok: true as const, result: 'fine' }
      },
      on: () => () => {},
      close: async () => {},
    }
    const unregister = registerIpcHandlers(service, (url) => isAppUrl(url, APP))
    expect([...electron.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => `tagi:${m}`).sort())

    const foreign = await electron.handlers.get('tagi:jobs.list')!({ senderFrame: { url: 'https://evil.example/' } }, undefined)
    expect(foreign).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    expect(seen).toEqual([])
    const own = await electron.handlers.get('tagi:jobs.get')!({ senderFrame: { url: APP } }, { id: 'job-1' })
    expect(own).toMatchObject({ ok: true, result: 'fine' })
    expect(seen).toEqual([{ id: 1, method: 'jobs.get', params: { id: 'job-1' } }])
    unregister()
    expect(electron.handlers.size).toBe(0)
  })
})

describe('launcher checks', () => {
  it('needs a display on Linux, not on macOS or Windows', () => {
    expect(findDisplay({}, 'linux')).toEqual({ ok: false, reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' })
    expect(findDisplay({ DISPLAY: ':0' }, 'linux')).toEqual({ ok: true, path: 'x11::0' })
    expect(findDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux').ok).toBe(true)
    expect(findDisplay({}, 'darwin').ok).toBe(true)
  })

  it('finds the Electron binary through require("electron") without downloading it', () => {
    const dist = mkdtempSync(join(tmpdir(), 'tagi-electron-dist-'))
    const missing = findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dist })
    expect(missing.ok).toBe(false)
    expect(!missing.ok && missing.reason).toContain('the Electron binary is not installed')
    writeFileSync(join(dist, 'electron'), '')
    expect(findElectronBinary({ ELECTRON_OVERRIDE_DIST_PATH: dist })).toEqual({ ok: true, path: join(dist, 'electron') })
    expect(process.env.ELECTRON_OVERRIDE_DIST_PATH).toBeUndefined() // restored
  })
})
