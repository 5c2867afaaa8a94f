/**
 * A job kind: the unit the training stages, dataset import, evaluation and benchmarks plug into.
 * Adding one = one module exporting `defineJobKind({kind, title, description, params, run})` and one line
 * in `kinds/index.ts`. The manager validates params with the kind's zod schema before anything runs, so
 * `run` always receives complete, typed params (every default filled in).
 */
import type { z } from 'zod'
import type { LogLevel } from '../../contract/index.ts'

export interface ProgressUpdate {
  step: number
  total: number
  message?: string
  /** Numbers worth plotting at this step (loss, gflops, tokens/s …). */
  metrics?: Record<string, number>
}

/** What a running job gets from the manager. */
export interface JobContext {
  readonly jobId: string
  /** Aborted when the user cancels; long loops call `yieldAndCheck()` between steps. */
  readonly signal: AbortSignal
  /** The workspace root (datasets/ and runs/ live there). */
  readonly workspaceDir: string
  progress(update: ProgressUpdate): void
  log(message: string, level?: LogLevel): void
  /** Let the event loop run (requests, cancel, HTTP), then throw if the job was cancelled. */
  yieldAndCheck(): Promise<void>
}

export interface JobKind<S extends z.ZodType = z.ZodType, R = unknown> {
  kind: string
  title: string
  description: string
  params: S
  /** Runs the job; the resolved value must be JSON-serialisable (it crosses process boundaries). */
  run(params: z.output<S>, ctx: JobContext): Promise<R>
}

/**
 * Typed helper for a kind's module. The params type is inferred from the `params` schema alone (NoInfer on
 * `run`), so `run` may be written as a method or an arrow without annotations.
 */
export function defineJobKind<S extends z.ZodType, R>(kind: {
  kind: string
  title: string
  description: string
  params: S
  run: (params: z.output<NoInfer<S>>, ctx: JobContext) => Promise<R>
}): JobKind<S, R> {
  return kind
}

/** Thrown by `yieldAndCheck` once a job is cancelled; the manager records the job as cancelled. */
export class JobCancelledError extends Error {
  constructor() {
    super('cancelled')
    this.name = 'JobCancelledError'
  }
}
