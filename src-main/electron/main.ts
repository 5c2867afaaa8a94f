/**
 * The Electron main process (electron-vite quick-start layout, with its sandbox off and its raw ipcRenderer
 * exposure replaced by the hardened setup in security.ts and one channel per method in ipc.ts). It owns
 * the window, the settings (electron-store) and the engine host, which runs in a utility process so
 * training never freezes the window, and is restarted (with an `engine.status` event) if it dies.
 */
import { app, BrowserWindow, session } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { IPC_EVENT_CHANNEL } from '../contract/index.ts'
import { HostSupervisor } from '../host/supervisor.ts'
import { createStudioService, hostOptionsFrom, type StudioService } from '../host/studio-service.ts'
import { createElectronSettingsStore } from '../settings/electron-settings-store.ts'
import { spawnUtilityHost } from './engine-process.ts'
import { registerIpcHandlers } from './ipc.ts'
import { WORKSPACE_ARG } from './args.ts'
import { hardenSession, hardenWebContents, isAppUrl } from './security.ts'

const workspaceFlag = process.argv.find((arg) => arg.startsWith(WORKSPACE_ARG))?.slice(WORKSPACE_ARG.length)
// electron-vite's dev server sets ELECTRON_RENDERER_URL; the built app loads the file.
const appUrl = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'TAGI Studio',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  hardenWebContents(window.webContents, appUrl)
  window.once('ready-to-show', () => window.show())
  void window.loadURL(appUrl)
  return window
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) return app.quit()
  await app.whenReady()
  hardenSession(session.defaultSession)
  const settings = createElectronSettingsStore()
  const engine = new HostSupervisor(spawnUtilityHost, () => hostOptionsFrom(settings, 'utility-process', workspaceFlag))
  engine.start()
  const service: StudioService = createStudioService({ settings, engine, workspaceFlag })
  registerIpcHandlers(service, (frameUrl) => isAppUrl(frameUrl, appUrl))
  service.on((event) => BrowserWindow.getAllWindows().forEach((window) => window.webContents.send(IPC_EVENT_CHANNEL, event)))

  createWindow()
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus())
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow())
  app.on('window-all-closed', () => process.platform !== 'darwin' && app.quit())
  let closing = false
  app.on('before-quit', (event) => {
    if (closing) return
    closing = true
    event.preventDefault()
    void service.close().finally(() => app.quit())
  })
}

main().catch((error: unknown) => {
  console.error(`TAGI Studio failed to start: ${error instanceof Error ? error.stack : String(error)}`)
  app.exit(1)
})
