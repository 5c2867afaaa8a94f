/**
 * The Evaluation page's state: the workspace's evaluations, the open report (the engine's tables), the
 * drill-down into one task's predictions, CSV export (text built by the engine, saved by the face) and the
 * launch of an evaluation job. When an evaluation job completes, the list reloads and its report opens.
 */
import {
  EVALUATE_JOB_KIND,
  type EvalSplit,
  type EvaluationReport,
  type EvaluationSources,
  type EvaluationSummary,
  type EvaluationTable,
  type PredictionPage,
  type StudioApi,
  type StudioEvent,
} from '../../../../src-main/contract/index.ts'
import { downloadText } from '../download.ts'
import type { JobsManager } from './jobs.svelte.ts'

// Predictions per page: each row holds an input, a prediction and its references.
export const PREDICTION_PAGE = 10

export interface LaunchRequest {
  pipeline: string
  dataset: string | null
  methods: string[]
  instancesPerTask: number
  trainInstancesPerTask: number
  name: string | null
}

export class EvaluationManager {
  evaluations = $state<EvaluationSummary[]>([])
  loaded = $state(false)
  listError = $state<string | null>(null)

  selectedId = $state<string | null>(null)
  report = $state<EvaluationReport | null>(null)
  reportError = $state<string | null>(null)
  split = $state<EvalSplit>('test')

  predictions = $state<PredictionPage | null>(null)
  predictionsError = $state<string | null>(null)
  predictionsLoading = $state(false)

  exportError = $state<string | null>(null)
  lastExport = $state<{ fileName: string; rows: number } | null>(null)

  sources = $state<EvaluationSources | null>(null)
  launchJobId = $state<string | null>(null)
  launchError = $state<string | null>(null)

  readonly #api: StudioApi
  readonly #jobs: JobsManager

  constructor(api: StudioApi, jobs: JobsManager) {
    this.#api = api
    this.#jobs = jobs
  }

  get launchJob() {
    return this.launchJobId ? (this.#jobs.jobs[this.launchJobId] ?? null) : this.#jobs.latest(EVALUATE_JOB_KIND)
  }

  async load(): Promise<void> {
    try {
      const [list, sources] = await Promise.all([this.#api.listEvaluations(), this.#api.evaluationSources()])
      this.evaluations = list.evaluations
      this.sources = sources
      this.listError = null
      if (!this.selectedId && list.evaluations[0]) await this.select(list.evaluations[0].runId)
    } catch (error) {
      this.listError = (error as Error).message
    } finally {
      this.loaded = true
    }
  }

  async select(runId: string): Promise<void> {
    this.selectedId = runId
    this.predictions = null
    this.predictionsError = null
    this.lastExport = null
    try {
      this.report = await this.#api.evaluationReport(runId)
      this.reportError = null
      // Held-out first (the paper's headline); training tasks when the report has only those.
      this.split = this.report.categories.some((c) => c.split === 'test') ? 'test' : 'train'
    } catch (error) {
      this.report = null
      this.reportError = (error as Error).message
    }
  }

  async openPredictions(evalRun: string, task: string, offset = 0): Promise<void> {
    this.predictionsLoading = true
    try {
      this.predictions = await this.#api.evaluationPredictions({ evalRun, task, offset, limit: PREDICTION_PAGE })
      this.predictionsError = null
    } catch (error) {
      this.predictionsError = (error as Error).message
    } finally {
      this.predictionsLoading = false
    }
  }

  async pagePredictions(pages: number): Promise<void> {
    const page = this.predictions
    if (!page) return
    const offset = page.offset + pages * PREDICTION_PAGE
    if (offset < 0 || offset >= page.total) return
    await this.openPredictions(page.evalRun, page.task, offset)
  }

  closePredictions(): void {
    this.predictions = null
    this.predictionsError = null
  }

  async exportCsv(table: EvaluationTable): Promise<void> {
    if (!this.selectedId) return
    try {
      const { fileName, csv, rows } = await this.#api.evaluationCsv({ runId: this.selectedId, table })
      downloadText(fileName, csv, 'text/csv')
      this.lastExport = { fileName, rows }
      this.exportError = null
    } catch (error) {
      this.exportError = (error as Error).message
    }
  }

  async launch(request: LaunchRequest): Promise<void> {
    try {
      const job = await this.#api.startEvaluation(request)
      this.#jobs.jobs[job.id] = this.#jobs.jobs[job.id] ?? job
      this.launchJobId = job.id
      this.launchError = null
    } catch (error) {
      this.launchError = (error as Error).message
    }
  }

  async cancelLaunch(): Promise<void> {
    if (this.launchJobId) await this.#jobs.cancel(this.launchJobId)
  }

  handle(event: StudioEvent): void {
    // A restarted engine may serve another workspace: start over from its list.
    if (event.type === 'engine.status' && event.status.state === 'ready') {
      this.selectedId = null
      this.report = null
      void this.load()
      return
    }
    if (event.type !== 'job.state' || !isTerminalEval(event.job.kind, event.job.status)) return
    // A finished pipeline is a new source and a new evaluation; a finished evaluation opens when it was ours.
    const runId = (event.job.result as { runId?: string } | null)?.runId
    const ours = event.job.id === this.launchJobId && event.job.status === 'completed'
    void this.load().then(() => (ours && runId ? this.select(runId) : undefined))
  }
}

function isTerminalEval(kind: string, status: string): boolean {
  return (kind === EVALUATE_JOB_KIND || kind === 'tagi-pipeline') && (status === 'completed' || status === 'failed' || status === 'cancelled')
}
