/**
 * Jobs as the engine reports them: kept by id, updated from `job.state` / `job.progress` / `job.log`
 * events, started and cancelled through the StudioApi. When the engine host restarts, jobs it was running
 * are marked failed (their host is gone), not left spinning.
 */
import { isTerminal, type JobSpec, type JobState, type StudioApi, type StudioEvent } from '../../../../src-main/contract/index.ts'

// Log lines kept per job in the page: the host keeps the same bound.
const LOG_LIMIT = 200

export class JobsManager {
  jobs = $state<Record<string, JobState>>({})
  error = $state<string | null>(null)
  readonly #api: StudioApi

  constructor(api: StudioApi) {
    this.#api = api
  }

  /** The most recently created job of a kind. */
  latest(kind: string): JobState | null {
    const ofKind = Object.values(this.jobs).filter((job) => job.kind === kind)
    return ofKind.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? null
  }

  async load(): Promise<void> {
    try {
      for (const job of await this.#api.listJobs()) this.jobs[job.id] = job
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  async start(spec: JobSpec): Promise<JobState | null> {
    try {
      const job = await this.#api.startJob(spec)
      this.jobs[job.id] = this.jobs[job.id] ?? job
      this.error = null
      return job
    } catch (error) {
      this.error = (error as Error).message
      return null
    }
  }

  async cancel(id: string): Promise<void> {
    try {
      await this.#api.cancelJob(id)
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  handle(event: StudioEvent): void {
    if (event.type === 'job.state') {
      this.jobs[event.job.id] = event.job
    } else if (event.type === 'job.progress') {
      const job = this.jobs[event.jobId]
      if (job) job.progress = event.progress
    } else if (event.type === 'job.log') {
      const job = this.jobs[event.jobId]
      if (job) job.logs = [...job.logs, event.entry].slice(-LOG_LIMIT)
    } else if (event.type === 'engine.status' && (event.status.state === 'restarting' || event.status.state === 'crashed')) {
      for (const job of Object.values(this.jobs)) {
        if (!isTerminal(job.status)) Object.assign(job, { status: 'failed', error: `the engine host stopped: ${event.status.message}`, endedAt: new Date().toISOString() })
      }
    }
  }
}
