/**
 * The job manager: starts jobs by kind with validated params, runs ONE at a time from a FIFO queue (the
 * compute backend is single-threaded, two jobs would only slow each other down), streams progress and
 * logs as events, cancels cooperatively through an AbortSignal and keeps each job's final state.
 */
import { setImmediate as nextTick } from 'node:timers/promises'
import { randomBytes } from 'node:crypto'
import {
  StudioError,
  formatIssues,
  isTerminal,
  type JobKindInfo,
  type JsonSchema,
  type JobProgress,
  type JobState,
  type LogEntry,
  type LogLevel,
  type StudioEvent,
} from '../../contract/index.ts'
import { JobCancelledError, type JobContext, type JobKind, type ProgressUpdate } from './job-kind.ts'
import { paramsJsonSchema } from './params-schema.ts'

export interface JobManagerOptions {
  workspaceDir: string
  // Ended jobs kept for list/get: enough for a session's history, bounded so memory cannot grow forever.
  historyLimit?: number
  // Log lines kept per job: the tail is what a status panel shows; full logs belong in the run folder.
  logLimit?: number
  // Minimum gap between two progress events of one job: a UI cannot show more than ~10 updates a second.
  progressIntervalMs?: number
}

interface Entry {
  state: JobState
  kind: JobKind
  abort: AbortController
  lastProgressEventAt: number
}

export class JobManager {
  readonly #kinds = new Map<string, JobKind>()
  readonly #schemas = new Map<string, JsonSchema>()
  readonly #jobs = new Map<string, Entry>()
  readonly #queue: Entry[] = []
  readonly #listeners = new Set<(event: StudioEvent) => void>()
  readonly #options: Required<JobManagerOptions>
  #running: Entry | null = null
  #idleWaiters: (() => void)[] = []

  constructor(kinds: readonly JobKind[], options: JobManagerOptions) {
    for (const kind of kinds) {
      if (this.#kinds.has(kind.kind)) throw new Error(`job kind '${kind.kind}' is registered twice`)
      this.#kinds.set(kind.kind, kind)
    }
    this.#options = { historyLimit: 200, logLimit: 200, progressIntervalMs: 100, ...options }
  }

  on(listener: (event: StudioEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  kinds(): JobKindInfo[] {
    return [...this.#kinds.values()].map(({ kind, title, description, params }) => ({ kind, title, description, paramsSchema: this.#paramsSchema(kind, params) }))
  }

  /** Queue a job; it starts at once if nothing else runs. Throws StudioError on an unknown kind or bad params. */
  start(spec: { kind: string; params?: Record<string, unknown> }): JobState {
    const kind = this.#kinds.get(spec.kind)
    if (!kind) {
      throw new StudioError('invalid-params', `unknown job kind '${spec.kind}' (expected one of: ${[...this.#kinds.keys()].join(', ')})`)
    }
    const parsed = kind.params.safeParse(spec.params ?? {})
    if (!parsed.success) throw new StudioError('invalid-params', `invalid params for job '${spec.kind}': ${formatIssues(parsed.error, spec.params, 'params')}`)
    const state: JobState = {
      id: `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      kind: kind.kind,
      title: kind.title,
      params: parsed.data as Record<string, unknown>,
      status: 'queued',
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      progress: null,
      result: null,
      error: null,
      logs: [],
    }
    const entry: Entry = { state, kind, abort: new AbortController(), lastProgressEventAt: 0 }
    this.#jobs.set(state.id, entry)
    this.#queue.push(entry)
    this.#emitState(entry)
    this.#pruneHistory()
    void this.#pump()
    return structuredClone(state)
  }

  /** Cancel a job: a queued one ends at once, a running one is asked to stop (its next `yieldAndCheck`). */
  cancel(id: string): JobState {
    const entry = this.#entry(id)
    if (entry.state.status === 'queued') {
      this.#queue.splice(this.#queue.indexOf(entry), 1)
      this.#finish(entry, 'cancelled', null, 'cancelled before it started')
    } else if (entry.state.status === 'running') {
      entry.abort.abort()
      this.#log(entry, 'cancel requested', 'warn')
    }
    return structuredClone(entry.state)
  }

  list(): JobState[] {
    return [...this.#jobs.values()].map((entry) => structuredClone(entry.state))
  }

  get(id: string): JobState {
    return structuredClone(this.#entry(id).state)
  }

  /** Resolves once no job is running or queued. */
  idle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Cancel everything (host shutdown) and wait for the running job to stop. */
  async dispose(): Promise<void> {
    for (const entry of [...this.#queue]) this.cancel(entry.state.id)
    if (this.#running) this.cancel(this.#running.state.id)
    await this.idle()
    this.#listeners.clear()
  }

  // Converting a schema walks it whole; kinds never change, so once per kind is enough.
  #paramsSchema(kind: string, params: JobKind['params']): JsonSchema {
    let schema = this.#schemas.get(kind)
    if (!schema) this.#schemas.set(kind, (schema = paramsJsonSchema(params)))
    return schema
  }

  #entry(id: string): Entry {
    const entry = this.#jobs.get(id)
    if (!entry) throw new StudioError('not-found', `no job with id '${id}'`)
    return entry
  }

  async #pump(): Promise<void> {
    if (this.#running) return
    const entry = this.#queue.shift()
    if (!entry) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve()
      return
    }
    this.#running = entry
    entry.state.status = 'running'
    entry.state.startedAt = new Date().toISOString()
    this.#emitState(entry)
    try {
      const result = await entry.kind.run(entry.state.params, this.#context(entry))
      this.#finish(entry, 'completed', result ?? null, null)
    } catch (error) {
      if (entry.abort.signal.aborted || error instanceof JobCancelledError) this.#finish(entry, 'cancelled', null, 'cancelled by the user')
      else this.#finish(entry, 'failed', null, error instanceof Error ? error.message : String(error))
    }
    this.#running = null
    void this.#pump()
  }

  #context(entry: Entry): JobContext {
    const startedMs = Date.now()
    return {
      jobId: entry.state.id,
      signal: entry.abort.signal,
      workspaceDir: this.#options.workspaceDir,
      progress: (update) => this.#progress(entry, update, startedMs),
      log: (message, level = 'info') => this.#log(entry, message, level),
      yieldAndCheck: async () => {
        await nextTick()
        if (entry.abort.signal.aborted) throw new JobCancelledError()
      },
    }
  }

  #progress(entry: Entry, update: ProgressUpdate, startedMs: number): void {
    if (!(update.total > 0) || update.step < 0) throw new Error(`progress needs 0 <= step and total > 0 (found step ${update.step}, total ${update.total})`)
    const fraction = Math.min(1, update.step / update.total)
    const elapsedSeconds = (Date.now() - startedMs) / 1000
    const progress: JobProgress = {
      step: update.step,
      total: update.total,
      fraction,
      // Linear extrapolation from the time so far: crude, but honest and what users expect of a progress bar.
      etaSeconds: fraction > 0 ? (elapsedSeconds * (1 - fraction)) / fraction : null,
      elapsedSeconds,
      message: update.message ?? entry.state.progress?.message ?? '',
      metrics: update.metrics ?? {},
    }
    entry.state.progress = progress
    const now = Date.now()
    if (fraction >= 1 || now - entry.lastProgressEventAt >= this.#options.progressIntervalMs) {
      entry.lastProgressEventAt = now
      this.#emit({ type: 'job.progress', jobId: entry.state.id, progress: structuredClone(progress) })
    }
  }

  #log(entry: Entry, message: string, level: LogLevel): void {
    const logEntry: LogEntry = { time: new Date().toISOString(), level, message }
    entry.state.logs.push(logEntry)
    if (entry.state.logs.length > this.#options.logLimit) entry.state.logs.splice(0, entry.state.logs.length - this.#options.logLimit)
    this.#emit({ type: 'job.log', jobId: entry.state.id, entry: logEntry })
  }

  #finish(entry: Entry, status: JobState['status'], result: unknown, error: string | null): void {
    entry.state.status = status
    entry.state.result = result
    entry.state.error = error
    entry.state.endedAt = new Date().toISOString()
    this.#emitState(entry)
  }

  #emitState(entry: Entry): void {
    this.#emit({ type: 'job.state', job: structuredClone(entry.state) })
  }

  #emit(event: StudioEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  /** Forget the oldest ended jobs beyond the history limit (queued and running ones are always kept). */
  #pruneHistory(): void {
    const ended = [...this.#jobs.values()].filter((entry) => isTerminal(entry.state.status))
    for (const entry of ended.slice(0, Math.max(0, ended.length - this.#options.historyLimit))) this.#jobs.delete(entry.state.id)
  }
}
