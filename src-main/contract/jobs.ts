/**
 * Jobs: long-running engine work (training stages, dataset import, evaluation, benchmarks) started by
 * kind with validated params, one at a time, reporting progress and logs, cancellable.
 * Types and the request schemas only: no Node imports.
 */
import { z } from 'zod'

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** What to run: a registered kind and its params (validated by that kind's own schema in the host). */
export const JobSpecSchema = z.strictObject({
  kind: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
})
export type JobSpec = z.input<typeof JobSpecSchema>

export const JobIdSchema = z.strictObject({ id: z.string().min(1) })

export interface JobProgress {
  step: number
  total: number
  /** step / total, in [0, 1]. */
  fraction: number
  /** Estimated seconds left, from the elapsed time and the fraction done; null before the first step. */
  etaSeconds: number | null
  elapsedSeconds: number
  message: string
  /** Any numbers worth plotting (loss, gflops, tokens/s …), by name. */
  metrics: Record<string, number>
}

export type LogLevel = 'info' | 'warn' | 'error'

export interface LogEntry {
  time: string
  level: LogLevel
  message: string
}

export interface JobState {
  id: string
  kind: string
  title: string
  /** The params after validation, every default filled in. */
  params: Record<string, unknown>
  status: JobStatus
  createdAt: string
  startedAt: string | null
  endedAt: string | null
  progress: JobProgress | null
  /** The job's result once completed (shape defined by its kind). */
  result: unknown
  error: string | null
  /** The most recent log lines (bounded). */
  logs: LogEntry[]
}

/** A registered job kind, as the studio lists it. */
export interface JobKindInfo {
  kind: string
  title: string
  description: string
  /** Its params as JSON Schema (zod's `z.toJSONSchema`, input side): every option, its default and its help, so launch forms are generated, never hand-written. */
  paramsSchema: JsonSchema
}

export type JsonSchemaType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null'

/** The part of JSON Schema (draft 2020-12) that `z.toJSONSchema` writes for params objects. */
export interface JsonSchema {
  type?: JsonSchemaType | JsonSchemaType[]
  title?: string
  description?: string
  default?: unknown
  enum?: (string | number | boolean | null)[]
  const?: unknown
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  pattern?: string
  format?: string
}

export function isTerminal(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled'
}
