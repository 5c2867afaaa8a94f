/**
 * The browser mode, assembled: settings (conf) + an engine host in a worker thread (so training never
 * blocks HTTP) under a supervisor + the studio service + the web server over the built renderer.
 * Used by `tagi studio --web` and by the end-to-end tests (through the CLI).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HostSupervisor, createStudioService, hostOptionsFrom, spawnWorkerHost } from '../host/index.ts'
import { createConfSettingsStore } from '../settings/index.ts'
import { startWebServer, type WebServer } from './server.ts'

/** The renderer build output of `npm run build` (electron-vite): out/renderer at the repository root. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url))

export interface BrowserStudioOptions {
  host?: string
  port?: number
  workspaceFlag?: string
  rendererDir?: string
}

export interface BrowserStudio extends WebServer {
  /** Stops the server, then the engine host. */
  close(): Promise<void>
}

export async function startBrowserStudio(options: BrowserStudioOptions = {}): Promise<BrowserStudio> {
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the studio's renderer is not built (${join(rendererDir, 'index.html')} is missing): run \`npm run build\` first`)
  }
  const settings = createConfSettingsStore()
  settings.get() // fail now, with the file's name, if the settings file is broken
  const engine = new HostSupervisor(spawnWorkerHost, () => hostOptionsFrom(settings, 'worker', options.workspaceFlag))
  engine.start()
  const service = createStudioService({ settings, engine, workspaceFlag: options.workspaceFlag })
  try {
    const server = await startWebServer({ service, rendererDir, host: options.host, port: options.port })
    return {
      ...server,
      async close() {
        await server.close()
        await service.close()
      },
    }
  } catch (error) {
    await service.close()
    throw error
  }
}
