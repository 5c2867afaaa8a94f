/**
 * Runs state for the Runs page: the workspace's runs as the engine host lists them, the run in focus
 * (config, provenance), the runs selected for overlay charts and config comparison, and each charted
 * run's metric history. History is loaded from the run store once, then extended live: every progress
 * event of the job writing a charted run asks the host for the rows after the last step held
 * (`runs.metrics` with `since`), so a chart gets every step the trainer logged, even when progress events
 * are thinned out, and at most one request per run is in flight.
 */
import type { JobState, MetricRow, RunDetail, RunDiff, RunSummary, StudioApi, StudioEvent } from '../../../../src-main/contract/index.ts'

/** One run's metrics by column: steps on x, one value array per key (null where a row lacks the key). */
export interface RunSeries {
  steps: number[]
  columns: Record<string, (number | null)[]>
  keys: string[]
  lastStep: number
}

export type RunSortKey = 'createdAt' | 'name' | 'stage' | 'status' | 'finalLoss'

// TensorBoard's default smoothing weight.
const DEFAULT_SMOOTHING = 0.6
const SMOOTHING_KEY = 'tagi.runs.smoothing'
// Gather a burst of job events (start, end, first progress) into one list refresh.
const LIST_REFRESH_MS = 150
// While a job reports progress, re-read the list this often: statuses, checkpoints, and the next stage run
// of a pipeline appear without a job event of their own.
const LIVE_LIST_MS = 2000
// W&B caps its comparer at 10 runs (#8314); the overlay stays readable with this many colours.
export const MAX_OVERLAY = 8

function appendRows(series: RunSeries | undefined, rows: MetricRow[], keys: string[]): RunSeries {
  const base = series ?? { steps: [], columns: {}, keys: [], lastStep: 0 }
  const steps = [...base.steps, ...rows.map((row) => row.step)]
  const allKeys = [...new Set([...base.keys, ...keys])]
  const columns: RunSeries['columns'] = {}
  for (const key of allKeys) {
    const old = base.columns[key] ?? new Array<number | null>(base.steps.length).fill(null)
    columns[key] = [...old, ...rows.map((row) => (key in row ? row[key]! : null))]
  }
  return { steps, columns, keys: allKeys, lastStep: rows.at(-1)?.step ?? base.lastStep }
}

function storedSmoothing(): number {
  const value = Number(localStorage.getItem(SMOOTHING_KEY))
  return localStorage.getItem(SMOOTHING_KEY) !== null && value >= 0 && value < 1 ? value : DEFAULT_SMOOTHING
}

export class RunsManager {
  runs = $state.raw<RunSummary[]>([])
  unreadable = $state.raw<{ id: string; error: string }[]>([])
  loaded = $state(false)
  error = $state<string | null>(null)
  filter = $state('')
  sort = $state<{ key: RunSortKey; descending: boolean }>({ key: 'createdAt', descending: true })
  focusedId = $state<string | null>(null)
  detail = $state.raw<RunDetail | null>(null)
  detailError = $state<string | null>(null)
  /** Runs selected for overlay and comparison, in the order they were picked. */
  selected = $state<string[]>([])
  series = $state.raw<Record<string, RunSeries>>({})
  seriesErrors = $state<Record<string, string>>({})
  smoothing = $state(storedSmoothing())
  diff = $state.raw<RunDiff | null>(null)
  diffError = $state<string | null>(null)
  actionError = $state<string | null>(null)

  /** The runs drawn in the charts: the selection, or the run in focus. */
  chartRunIds = $derived(this.selected.length > 0 ? this.selected : this.focusedId ? [this.focusedId] : [])
  shown = $derived.by(() => {
    const needle = this.filter.trim().toLowerCase()
    const rows = needle ? this.runs.filter((run) => `${run.name} ${run.id} ${run.stage} ${run.status}`.toLowerCase().includes(needle)) : this.runs
    const { key, descending } = this.sort
    const value = (run: RunSummary): string | number => (key === 'finalLoss' ? (typeof run.summary.finalLoss === 'number' ? run.summary.finalLoss : Infinity) : run[key])
    return [...rows].sort((a, b) => {
      const [x, y] = [value(a), value(b)]
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
      return descending ? -order : order
    })
  })

  readonly #api: StudioApi
  readonly #inFlight = new Set<string>()
  readonly #again = new Set<string>()
  #listTimer: ReturnType<typeof setTimeout> | null = null
  #follow: string | null = null
  /** Created-at of the last run focused by following: only newer runs take the focus over. */
  #followedAt = ''
  #listedAt = 0

  constructor(api: StudioApi) {
    this.#api = api
  }

  byId(id: string): RunSummary | undefined {
    return this.runs.find((run) => run.id === id)
  }

  async load(): Promise<void> {
    try {
      this.#listedAt = Date.now()
      const list = await this.#api.listRuns()
      this.runs = list.runs
      this.unreadable = list.unreadable
      this.error = null
      this.selected = this.selected.filter((id) => this.byId(id))
    } catch (error) {
      this.error = (error as Error).message
    } finally {
      this.loaded = true
    }
    // Following moves forward only (a newer run of the job: a pipeline's next stage), never back to an
    // older one still running around it (the pipeline's own run), so the charts do not blank between stages.
    const followed = this.#follow ? this.runs.filter((run) => run.jobId === this.#follow && run.createdAt > this.#followedAt) : []
    const training = followed.find((run) => run.status === 'running') ?? followed[0] // the list is newest first
    if (training && training.id !== this.focusedId) {
      this.#followedAt = training.createdAt
      await this.#focus(training.id)
    } else if (this.focusedId) await this.#loadDetail(this.focusedId)
  }

  /** Put a run in focus (the user's choice: stops following a job). */
  focus(id: string | null): Promise<void> {
    this.#follow = null
    return this.#focus(id)
  }

  /** Keep the run a job is training in focus, moving on with a pipeline from stage run to stage run. */
  follow(jobId: string): void {
    this.#follow = jobId
    this.#followedAt = ''
    this.#scheduleList()
  }

  async #focus(id: string | null): Promise<void> {
    if (id === this.focusedId && (this.detail?.id === id || id === null)) return
    this.focusedId = id
    this.detail = null
    this.detailError = null
    if (!id) return
    await Promise.all([this.#loadDetail(id), this.#ensureSeries()])
  }

  toggleSelected(id: string): void {
    if (this.selected.includes(id)) this.selected = this.selected.filter((other) => other !== id)
    else if (this.selected.length < MAX_OVERLAY) this.selected = [...this.selected, id]
    this.diff = null
    this.diffError = null
    void this.#ensureSeries()
    if (this.selected.length >= 2) void this.compare()
  }

  clearSelection(): void {
    this.selected = []
    this.diff = null
    void this.#ensureSeries()
  }

  /** Same column: flip the order. New column: newest first for dates, ascending (best loss first) for the rest. */
  setSort(key: RunSortKey): void {
    this.sort = { key, descending: this.sort.key === key ? !this.sort.descending : key === 'createdAt' }
  }

  setSmoothing(value: number): void {
    this.smoothing = value
    localStorage.setItem(SMOOTHING_KEY, String(value))
  }

  /** The config difference of the first two selected runs (made as soon as two are selected). */
  async compare(): Promise<void> {
    const [a, b] = this.selected
    if (!a || !b) return
    try {
      this.diff = await this.#api.diffRuns(a, b)
      this.diffError = null
    } catch (error) {
      this.diffError = (error as Error).message
    }
  }

  async resume(id: string): Promise<JobState | null> {
    try {
      const job = await this.#api.resumeRun(id)
      this.actionError = null
      this.follow(job.id)
      return job
    } catch (error) {
      this.actionError = (error as Error).message
      return null
    }
  }

  async cancel(jobId: string): Promise<void> {
    try {
      await this.#api.cancelJob(jobId)
      this.actionError = null
    } catch (error) {
      this.actionError = (error as Error).message
    }
  }

  handle(event: StudioEvent): void {
    if (event.type === 'job.state') {
      this.#scheduleList()
      // A resumed run rewrites its metrics from its checkpoint on: read its history again.
      const resumed = event.job.params.resume
      if (event.job.status === 'running' && typeof resumed === 'string' && this.series[resumed]) {
        this.#dropSeries(resumed)
        void this.#ensureSeries()
      }
      if (event.job.status !== 'running') for (const id of this.chartRunIds) void this.#refreshSeries(id)
    } else if (event.type === 'job.progress') {
      const written = this.runs.filter((run) => run.jobId === event.jobId)
      // A job whose run the list does not know yet (just created), or a list grown old while it trains.
      if (written.length === 0 || Date.now() - this.#listedAt > LIVE_LIST_MS) this.#scheduleList()
      for (const run of written) if (this.chartRunIds.includes(run.id)) void this.#refreshSeries(run.id)
    } else if (event.type === 'engine.status' && event.status.state === 'ready') {
      this.series = {}
      void this.load().then(() => this.#ensureSeries())
    }
  }

  async #loadDetail(id: string): Promise<void> {
    try {
      const detail = await this.#api.getRun(id)
      if (this.focusedId === id) {
        this.detail = detail
        this.detailError = null
      }
    } catch (error) {
      if (this.focusedId === id) this.detailError = (error as Error).message
    }
  }

  #scheduleList(): void {
    if (this.#listTimer) return
    this.#listTimer = setTimeout(() => {
      this.#listTimer = null
      void this.load()
    }, LIST_REFRESH_MS)
  }

  #dropSeries(id: string): void {
    const { [id]: _dropped, ...rest } = this.series
    this.series = rest
  }

  /** Bring every charted run up to date: a run charted earlier may have gone on training since. */
  async #ensureSeries(): Promise<void> {
    await Promise.all(this.chartRunIds.map((id) => this.#refreshSeries(id)))
  }

  /** Fetch the rows after the last step held; a request made while one is in flight runs once it returns. */
  async #refreshSeries(id: string): Promise<void> {
    if (this.#inFlight.has(id)) {
      this.#again.add(id)
      return
    }
    this.#inFlight.add(id)
    try {
      const held = this.series[id]
      const metrics = await this.#api.runMetrics(id, held?.lastStep ?? 0)
      // A file shorter than what is held was rewritten (a resume): start over from the full history.
      const current = this.series[id]
      const base = current && metrics.total >= current.steps.length + metrics.rows.length ? current : undefined
      const rows = base || !current ? metrics.rows : (await this.#api.runMetrics(id, 0)).rows
      if (rows.length > 0 || !current) this.series = { ...this.series, [id]: appendRows(base, rows, metrics.keys) }
      delete this.seriesErrors[id]
    } catch (error) {
      this.seriesErrors[id] = (error as Error).message
    } finally {
      this.#inFlight.delete(id)
      if (this.#again.delete(id)) void this.#refreshSeries(id)
    }
  }
}
