/**
 * What a studio face (Electron main, browser-mode server) serves: the whole contract. Settings and engine
 * restarts are answered here, by the face that owns the settings file and the host; every engine method is
 * forwarded to the engine connection. Requests are validated before anything is done with them.
 */
import {
  StudioError,
  errorResponse,
  okResponse,
  requestIdOf,
  validateRequest,
  type EngineInfo,
  type Response,
  type StudioEvent,
  type ValidatedRequest,
} from '../contract/index.ts'
import { resolveWorkspace, settingsSnapshot, type SettingsStore } from '../settings/index.ts'
import type { HostOptions } from './messages.ts'
import type { EngineConnection } from './supervisor.ts'

export interface StudioService {
  handle(raw: unknown): Promise<Response>
  on(listener: (event: StudioEvent) => void): () => void
  close(): Promise<void>
}

export interface StudioServiceOptions {
  settings: SettingsStore
  engine: EngineConnection
  /** The `--workspace` flag the face was started with, if any (it outranks env and settings). */
  workspaceFlag?: string
}

/** The options an engine host starts with, read fresh from the settings (so a restart applies changes). */
export function hostOptionsFrom(settings: SettingsStore, transport: string, workspaceFlag?: string): HostOptions {
  const values = settings.get()
  return { backend: values.backend, workspace: resolveWorkspace({ flag: workspaceFlag, settings: () => values }), transport }
}

export function createStudioService({ settings, engine, workspaceFlag }: StudioServiceOptions): StudioService {
  const listeners = new Set<(event: StudioEvent) => void>()
  const emit = (event: StudioEvent) => listeners.forEach((listener) => listener(event))
  const unsubscribeEngine = engine.onEvent(emit)

  async function forward(request: ValidatedRequest): Promise<unknown> {
    const response = await engine.call(request)
    if (!response.ok) throw new StudioError(response.error.code, response.error.message)
    return response.result
  }

  // A page that connects after the host started missed its status events: every info answer carries it.
  const withStatus = (info: unknown): EngineInfo => ({ ...(info as EngineInfo), status: engine.status() })

  async function dispatch(request: ValidatedRequest): Promise<unknown> {
    switch (request.method) {
      case 'settings.get':
        return settingsSnapshot(settings, workspaceFlag)
      case 'settings.update': {
        settings.update(request.params)
        const snapshot = settingsSnapshot(settings, workspaceFlag)
        emit({ type: 'settings.changed', settings: snapshot })
        return snapshot
      }
      case 'engine.restart':
        await engine.restart('requested from the studio')
        return withStatus(await forward({ id: request.id, method: 'engine.info', params: undefined }))
      case 'engine.info':
        return withStatus(await forward(request))
      default:
        return forward(request)
    }
  }

  return {
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async handle(raw) {
      try {
        const request = validateRequest(raw)
        return okResponse(request.id, await dispatch(request))
      } catch (error) {
        return errorResponse(requestIdOf(raw), error)
      }
    },
    async close() {
      unsubscribeEngine()
      listeners.clear()
      await engine.close()
    },
  }
}
