/**
 * `StudioApi`: the one typed interface the renderer programs against. Electron's preload implements it over
 * IPC, the browser mode's WebSocket client over a socket, tests and the CLI in-process; all of them are
 * built by `createStudioApi` from a `call` function and an event subscription, so they cannot drift apart.
 * No Node imports and no zod at runtime (the sandboxed preload bundles this file).
 */
import type { EngineInfo } from './engine.ts'
import type { JobKindInfo, JobSpec, JobState } from './jobs.ts'
import type { MethodMap, MethodName, StudioEvent } from './protocol.ts'
import type { SettingsPatch, SettingsSnapshot } from './settings.ts'
import { datasetsApi, type DatasetsApi } from './datasets.ts'
import { evaluationApi, type EvaluationApi } from './evaluation.ts'
import { playgroundApi, type PlaygroundApi } from './playground.ts'
import { adaptersApi, type AdaptersApi } from './adapters.ts'
import { runsApi, type RunsApi } from './runs.ts'

/** Engine, jobs and settings: what every face serves. */
export interface CoreApi {
  engineInfo(): Promise<EngineInfo>
  /** Restart the engine host (applies a changed backend preference or workspace); running jobs are stopped. */
  restartEngine(): Promise<EngineInfo>
  jobKinds(): Promise<JobKindInfo[]>
  startJob(spec: JobSpec): Promise<JobState>
  cancelJob(id: string): Promise<JobState>
  listJobs(): Promise<JobState[]>
  getJob(id: string): Promise<JobState>
  getSettings(): Promise<SettingsSnapshot>
  updateSettings(patch: SettingsPatch): Promise<SettingsSnapshot>
  /** Subscribe to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: StudioEvent) => void): () => void
}

// DOMAIN APIS: a studio domain (datasets, runs, …) exports `interface <Domain>Api` and a factory
// `<domain>Api(call): <Domain>Api` from its contract file; extend StudioApi with it and spread it below.
export interface StudioApi extends CoreApi, DatasetsApi, EvaluationApi, PlaygroundApi, AdaptersApi, RunsApi {}

export type CallMethod = <M extends MethodName>(method: M, params: MethodMap[M]['params']) => Promise<MethodMap[M]['result']>

export function createStudioApi(call: CallMethod, subscribe: (listener: (event: StudioEvent) => void) => () => void): StudioApi {
  return {
    engineInfo: () => call('engine.info', undefined),
    restartEngine: () => call('engine.restart', undefined),
    jobKinds: () => call('jobs.kinds', undefined),
    startJob: (spec) => call('jobs.start', spec),
    cancelJob: (id) => call('jobs.cancel', { id }),
    listJobs: () => call('jobs.list', undefined),
    getJob: (id) => call('jobs.get', { id }),
    getSettings: () => call('settings.get', undefined),
    updateSettings: (patch) => call('settings.update', patch),
    onEvent: (listener) => subscribe(listener),
    ...datasetsApi(call),
    ...evaluationApi(call),
    ...playgroundApi(call),
    ...adaptersApi(call),
    ...runsApi(call),
  }
}

/** Electron IPC channel names: one per method, plus the event channel. */
export const IPC_PREFIX = 'tagi:'
export const IPC_EVENT_CHANNEL = 'tagi:event'
