/**
 * The engine host core: serves the contract's engine methods (engine info, jobs) and streams job events.
 * Transport-agnostic: `handle(request) → response` plus an event listener. Adapters carry it in-process
 * (tests, CLI), in a worker_threads Worker (browser mode) or an Electron utility process (the app).
 * Every request is validated (contract/protocol.ts) and every failure becomes a typed error response.
 */
import { Workspace } from '../engine/store/workspace.ts'
import { initBackend, memoryInfo, type BackendInfo, type BackendPreference } from '../engine/backend/index.ts'
import { BUILTIN_JOB_KINDS, JobManager, type JobKind } from '../engine/jobs/index.ts'
import {
  HOST_METHODS,
  StudioError,
  errorResponse,
  okResponse,
  requestIdOf,
  validateRequest,
  type BackendPreferenceSetting,
  type EngineInfo,
  type Response,
  type StudioEvent,
  type ValidatedRequest,
} from '../contract/index.ts'
import type { HostOptions } from './messages.ts'

// The contract repeats the backend preference list (it cannot import tfjs); this fails to compile if they drift.
const samePreferences: [BackendPreference, BackendPreferenceSetting] extends [BackendPreferenceSetting, BackendPreference] ? true : never = true
void samePreferences

export interface EngineHost {
  handle(raw: unknown): Promise<Response>
  on(listener: (event: StudioEvent) => void): () => void
  /** Resolves when the backend has started (or rejects with why it could not). */
  readonly ready: Promise<BackendInfo>
  dispose(): Promise<void>
}

export function createEngineHost(options: HostOptions, kinds: readonly JobKind[] = BUILTIN_JOB_KINDS): EngineHost {
  const startedAt = Date.now()
  const jobs = new JobManager(kinds, { workspaceDir: options.workspace.dir })
  const ready = (async () => {
    new Workspace(options.workspace.dir) // creates datasets/ and runs/ so every job finds them
    return initBackend(options.backend)
  })()
  ready.catch(() => {}) // a failed start is reported per request, not as an unhandled rejection

  function info(backend: BackendInfo): EngineInfo {
    const { name, label, requested, reason, rejected, threads, simd, tfjsVersion } = backend
    return {
      backend: { name, label, requested, reason, rejected, threads, simd },
      tfjsVersion,
      memory: memoryInfo(),
      workspace: options.workspace,
      host: { transport: options.transport, pid: process.pid, nodeVersion: process.versions.node, uptimeSeconds: (Date.now() - startedAt) / 1000 },
    }
  }

  async function dispatch(request: ValidatedRequest): Promise<unknown> {
    if (!HOST_METHODS.includes(request.method)) {
      throw new StudioError('unknown-method', `'${request.method}' is not served by the engine host (the studio face that owns the host answers it)`)
    }
    let backend: BackendInfo
    try {
      backend = await ready
    } catch (error) {
      throw new StudioError('engine-unavailable', `the engine could not start: ${error instanceof Error ? error.message : String(error)}`)
    }
    switch (request.method) {
      case 'engine.info':
        return info(backend)
      case 'jobs.kinds':
        return jobs.kinds()
      case 'jobs.start':
        return jobs.start(request.params)
      case 'jobs.cancel':
        return jobs.cancel(request.params.id)
      case 'jobs.list':
        return jobs.list()
      case 'jobs.get':
        return jobs.get(request.params.id)
      default:
        throw new StudioError('unknown-method', `'${request.method}' has no handler in the engine host`)
    }
  }

  return {
    ready,
    on: (listener) => jobs.on(listener),
    async handle(raw) {
      const id = requestIdOf(raw)
      try {
        const request = validateRequest(raw)
        return okResponse(request.id, await dispatch(request))
      } catch (error) {
        return errorResponse(id, error)
      }
    },
    dispose: () => jobs.dispose(),
  }
}
