/**
 * The wire protocol between a face (Electron preload, WebSocket client, CLI) and the engine: requests
 * `{id, method, params}`, responses `{id, ok, result | error}` and pushed events. Every request is
 * validated here with zod before anything runs; a bad one gets a typed error response, never a crash.
 * Shared with the renderer, so no Node imports.
 */
import { z } from 'zod'
import type { EngineInfo, EngineStatus } from './engine.ts'
import { JobIdSchema, JobSpecSchema, type JobKindInfo, type JobProgress, type JobSpec, type JobState, type LogEntry } from './jobs.ts'
import { SettingsPatchSchema, type SettingsPatch, type SettingsSnapshot } from './settings.ts'
import { DATASETS_PARAM_SCHEMAS, type DatasetsMethodMap } from './datasets.ts'
import { EVALUATION_PARAM_SCHEMAS, type EvaluationMethodMap } from './evaluation.ts'
import { PLAYGROUND_PARAM_SCHEMAS, type PlaygroundMethodMap } from './playground.ts'
import { ADAPTERS_PARAM_SCHEMAS, type AdaptersMethodMap } from './adapters.ts'
import { RUNS_PARAM_SCHEMAS, type RunsMethodMap } from './runs.ts'

/** No params: absent, or an empty object. */
export const NoParams = z.strictObject({}).optional()

/** The core methods: engine, jobs, settings. Each studio domain adds its own table (see DOMAIN TABLES below). */
const CORE_PARAM_SCHEMAS = {
  'engine.info': NoParams,
  'engine.restart': NoParams,
  'jobs.kinds': NoParams,
  'jobs.start': JobSpecSchema,
  'jobs.cancel': JobIdSchema,
  'jobs.list': NoParams,
  'jobs.get': JobIdSchema,
  'settings.get': NoParams,
  'settings.update': SettingsPatchSchema,
} as const

interface CoreMethodMap {
  'engine.info': { params: undefined; result: EngineInfo }
  'engine.restart': { params: undefined; result: EngineInfo }
  'jobs.kinds': { params: undefined; result: JobKindInfo[] }
  'jobs.start': { params: JobSpec; result: JobState }
  'jobs.cancel': { params: { id: string }; result: JobState }
  'jobs.list': { params: undefined; result: JobState[] }
  'jobs.get': { params: { id: string }; result: JobState }
  'settings.get': { params: undefined; result: SettingsSnapshot }
  'settings.update': { params: SettingsPatch; result: SettingsSnapshot }
}

// DOMAIN TABLES: a studio domain (datasets, runs, …) lives in its own contract file exporting a
// `<DOMAIN>_PARAM_SCHEMAS` table and a `<Domain>MethodMap` interface; list both here.

/** Every method: its params schema. `MethodMap` below gives the matching params and result types. */
export const PARAM_SCHEMAS = {
  ...CORE_PARAM_SCHEMAS,
  ...DATASETS_PARAM_SCHEMAS,
  ...EVALUATION_PARAM_SCHEMAS,
  ...PLAYGROUND_PARAM_SCHEMAS,
  ...ADAPTERS_PARAM_SCHEMAS,
  ...RUNS_PARAM_SCHEMAS,
} as const

export type MethodName = keyof typeof PARAM_SCHEMAS
export const METHOD_NAMES = Object.keys(PARAM_SCHEMAS) as MethodName[]

export interface MethodMap extends CoreMethodMap, DatasetsMethodMap, EvaluationMethodMap, PlaygroundMethodMap, AdaptersMethodMap, RunsMethodMap {}

/** Methods that belong to the face owning the host (settings file, host restarts); the engine host serves every other one. */
export const FACE_METHODS: readonly MethodName[] = ['engine.restart', 'settings.get', 'settings.update']
export const HOST_METHODS: readonly MethodName[] = METHOD_NAMES.filter((method) => !FACE_METHODS.includes(method))

/** A method's params after validation (defaults filled in). */
export type ValidParams<M extends MethodName> = z.output<(typeof PARAM_SCHEMAS)[M]>

export type RequestId = string | number

export interface Request<M extends MethodName = MethodName> {
  id: RequestId
  method: M
  params?: MethodMap[M]['params']
}

export const ERROR_CODES = ['bad-request', 'unknown-method', 'invalid-params', 'not-found', 'engine-unavailable', 'failed'] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorBody {
  code: ErrorCode
  message: string
}

export type Response<R = unknown> = { id: RequestId | null; ok: true; result: R } | { id: RequestId | null; ok: false; error: ErrorBody }

export type StudioEvent =
  | { type: 'job.state'; job: JobState }
  | { type: 'job.progress'; jobId: string; progress: JobProgress }
  | { type: 'job.log'; jobId: string; entry: LogEntry }
  | { type: 'engine.status'; status: EngineStatus }
  | { type: 'settings.changed'; settings: SettingsSnapshot }

/** What the browser mode's WebSocket server sends: a response to one of the client's requests, or a pushed event. */
export type SocketMessage = { type: 'response'; response: Response } | { type: 'event'; event: StudioEvent }

/** An error a handler throws on purpose; it becomes `{ok: false, error: {code, message}}`. */
export class StudioError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'StudioError'
    this.code = code
  }
}

export function okResponse<R>(id: RequestId | null, result: R): Response<R> {
  return { id, ok: true, result }
}

export function errorResponse(id: RequestId | null, error: unknown): Response<never> {
  if (error instanceof StudioError) return { id, ok: false, error: { code: error.code, message: error.message } }
  return { id, ok: false, error: { code: 'failed', message: error instanceof Error ? error.message : String(error) } }
}

/** Zod issues as one readable line each: `where: what was expected (found: what came)`. */
export function formatIssues(error: z.ZodError, input: unknown, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.')
      const found = issue.code === 'unrecognized_keys' ? '' : ` (found: ${describeValue(valueAt(input, issue.path))})`
      return `${path || '(root)'}: ${issue.message}${found}`
    })
    .join('; ')
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined
  return value
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const EnvelopeSchema = z.object({ id: z.union([z.string(), z.number()]), method: z.string().min(1), params: z.unknown().optional() })

export type ValidatedRequest = { [M in MethodName]: { id: RequestId; method: M; params: ValidParams<M> } }[MethodName]

/** Check a request's envelope, method and params; throws a StudioError naming the problem. */
export function validateRequest(raw: unknown): ValidatedRequest {
  const envelope = EnvelopeSchema.safeParse(raw)
  if (!envelope.success) throw new StudioError('bad-request', `malformed request: ${formatIssues(envelope.error, raw)}`)
  const { id, method, params } = envelope.data
  if (!Object.hasOwn(PARAM_SCHEMAS, method)) {
    throw new StudioError('unknown-method', `unknown method '${method}' (expected one of: ${METHOD_NAMES.join(', ')})`)
  }
  const schema = PARAM_SCHEMAS[method as MethodName]
  const parsed = schema.safeParse(params)
  if (!parsed.success) throw new StudioError('invalid-params', `invalid params for '${method}': ${formatIssues(parsed.error, params, 'params')}`)
  return { id, method, params: parsed.data } as ValidatedRequest
}

/** The id of a raw request if it has a usable one, so even a rejected request gets a matching response. */
export function requestIdOf(raw: unknown): RequestId | null {
  if (raw === null || typeof raw !== 'object') return null
  const id = (raw as { id?: unknown }).id
  return typeof id === 'string' || typeof id === 'number' ? id : null
}
