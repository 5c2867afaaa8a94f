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
import { DOMAIN_SERVICES, jobHandlers, type HostHandlers, type HostMethodName } from './services/index.ts'

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

  const context = { workspaceDir: options.workspace.dir, jobs }
  const handlers: Partial<HostHandlers> = Object.assign(
    { 'engine.info': async () => info(await ready) },
    jobHandlers(jobs),
    ...DOMAIN_SERVICES.map((service) => service(context)),
  )

  async function dispatch(request: ValidatedRequest): Promise<unknown> {
    const handler = handlers[request.method as HostMethodName] as ((params: unknown) => unknown) | undefined
    if (!HOST_METHODS.includes(request.method) || !handler) {
      throw new StudioError('unknown-method', `'${request.method}' is not served by the engine host (the studio face that owns the host answers it)`)
    }
    try {
      await ready
    } catch (error) {
      throw new StudioError('engine-unavailable', `the engine could not start: ${error instanceof Error ? error.message : String(error)}`)
    }
    return handler(request.params)
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
