/**
 * The Datasets page's state: the workspace's datasets, the selected one (tasks by category, a task with its
 * paged instances), the split being edited (a draft until saved), statistics and the import job. Everything
 * shown comes from the engine host; this class only keeps it and turns intents into requests. When an
 * import job completes, the list reloads and the new dataset is selected.
 */
import {
  DATASET_IMPORT_KIND,
  type DatasetDetail,
  type DatasetExportResult,
  type DatasetImportParams,
  type DatasetStats,
  type DatasetSummary,
  type DatasetTaskDetail,
  type StudioApi,
  type StudioEvent,
  type TaskSplit,
  type TokenizerSource,
} from '../../../../src-main/contract/index.ts'
import type { JobsManager } from './jobs.svelte.ts'

export type DatasetTab = 'tasks' | 'split' | 'stats'
// One page of instances: as many as read comfortably without scrolling far.
export const INSTANCE_PAGE = 10

export class DatasetsManager {
  datasets = $state<DatasetSummary[]>([])
  unreadable = $state<{ id: string; error: string }[]>([])
  loaded = $state(false)
  listError = $state<string | null>(null)

  selectedId = $state<string | null>(null)
  detail = $state<DatasetDetail | null>(null)
  detailError = $state<string | null>(null)
  tab = $state<DatasetTab>('tasks')
  category = $state<string | null>(null)

  task = $state<DatasetTaskDetail | null>(null)
  taskError = $state<string | null>(null)
  taskLoading = $state(false)

  /** Task name → its split in the draft (null: in neither). */
  draft = $state<Record<string, TaskSplit | null>>({})
  splitSaving = $state(false)
  splitError = $state<string | null>(null)
  splitSavedAt = $state<string | null>(null)
  draftCounts = $derived.by(() => {
    const counts = { train: 0, test: 0, none: 0 }
    for (const split of Object.values(this.draft)) counts[split ?? 'none']++
    return counts
  })
  draftChanged = $derived(this.detail !== null && this.detail.tasks.some((task) => (this.draft[task.name] ?? null) !== task.split))

  stats = $state<DatasetStats | null>(null)
  statsError = $state<string | null>(null)
  statsLoading = $state(false)
  tokenizerRun = $state<string | null>(null)
  tokenizers = $state<TokenizerSource[]>([])

  exportResult = $state<DatasetExportResult | null>(null)
  exportError = $state<string | null>(null)

  importJobId = $state<string | null>(null)
  importError = $state<string | null>(null)

  readonly #api: StudioApi
  readonly #jobs: JobsManager

  constructor(api: StudioApi, jobs: JobsManager) {
    this.#api = api
    this.#jobs = jobs
  }

  get importJob() {
    return this.importJobId ? (this.#jobs.jobs[this.importJobId] ?? null) : this.#jobs.latest(DATASET_IMPORT_KIND)
  }

  async load(): Promise<void> {
    try {
      const list = await this.#api.listDatasets()
      this.datasets = list.datasets
      this.unreadable = list.unreadable
      this.listError = null
      if (this.selectedId && !list.datasets.some((d) => d.id === this.selectedId)) this.selectedId = null
      if (!this.selectedId && list.datasets[0]) await this.select(list.datasets[0].id)
    } catch (error) {
      this.listError = (error as Error).message
    } finally {
      this.loaded = true
    }
  }

  async select(id: string): Promise<void> {
    this.selectedId = id
    this.task = null
    this.stats = null
    this.category = null
    this.exportResult = null
    this.exportError = null
    try {
      this.#setDetail(await this.#api.getDataset(id))
      this.detailError = null
    } catch (error) {
      this.detail = null
      this.detailError = (error as Error).message
    }
    if (this.tab === 'stats') await this.loadStats()
  }

  #setDetail(detail: DatasetDetail): void {
    this.detail = detail
    this.draft = Object.fromEntries(detail.tasks.map((task) => [task.name, task.split]))
    this.splitError = null
    if (!this.category || !detail.categories.some((c) => c.name === this.category)) this.category = detail.categories[0]?.name ?? null
  }

  async setTab(tab: DatasetTab): Promise<void> {
    this.tab = tab
    if (tab === 'stats' && !this.stats) await this.loadStats()
  }

  async openTask(name: string, offset = 0): Promise<void> {
    if (!this.selectedId) return
    this.taskLoading = true
    try {
      this.task = await this.#api.getDatasetTask({ id: this.selectedId, task: name, offset, limit: INSTANCE_PAGE })
      this.taskError = null
    } catch (error) {
      this.taskError = (error as Error).message
    } finally {
      this.taskLoading = false
    }
  }

  /** Move the instance page by `pages` (±1); stays within the task's instances. */
  async pageInstances(pages: number): Promise<void> {
    const task = this.task
    if (!task) return
    const offset = task.instances.offset + pages * INSTANCE_PAGE
    if (offset < 0 || offset >= task.instances.total) return
    await this.openTask(task.name, offset)
  }

  closeTask(): void {
    this.task = null
    this.taskError = null
  }

  setDraft(task: string, split: TaskSplit | null): void {
    this.draft[task] = split
  }

  setCategoryDraft(category: string, split: TaskSplit | null): void {
    for (const task of this.detail?.tasks ?? []) if (task.category === category) this.draft[task.name] = split
  }

  resetDraft(): void {
    if (this.detail) this.#setDetail(this.detail)
  }

  async saveSplit(): Promise<void> {
    if (!this.detail) return
    const names = Object.keys(this.draft)
    this.splitSaving = true
    try {
      const detail = await this.#api.setDatasetSplit({
        id: this.detail.id,
        train: names.filter((name) => this.draft[name] === 'train'),
        test: names.filter((name) => this.draft[name] === 'test'),
      })
      this.#setDetail(detail)
      this.splitSavedAt = detail.splitEditedAt
      this.stats = null
      this.datasets = this.datasets.map((d) => (d.id === detail.id ? { ...d, counts: detail.counts, splitEditedAt: detail.splitEditedAt, hasSplit: true } : d))
    } catch (error) {
      this.splitError = (error as Error).message
    } finally {
      this.splitSaving = false
    }
  }

  async loadStats(tokenizerRun: string | null = this.tokenizerRun): Promise<void> {
    if (!this.selectedId) return
    this.tokenizerRun = tokenizerRun
    this.statsLoading = true
    try {
      const [stats, tokenizers] = await Promise.all([this.#api.datasetStats({ id: this.selectedId, tokenizerRun }), this.#api.tokenizerSources()])
      this.stats = stats
      this.tokenizers = tokenizers
      this.statsError = null
    } catch (error) {
      this.statsError = (error as Error).message
    } finally {
      this.statsLoading = false
    }
  }

  /** Write the selected dataset (or one split) as JSONL to a path on the engine's machine. */
  async exportJsonl(path: string, split: TaskSplit | null): Promise<void> {
    if (!this.selectedId) return
    try {
      this.exportResult = await this.#api.exportDataset({ id: this.selectedId, path, split })
      this.exportError = null
    } catch (error) {
      this.exportResult = null
      this.exportError = (error as Error).message
    }
  }

  async startImport(params: DatasetImportParams): Promise<void> {
    const job = await this.#jobs.start({ kind: DATASET_IMPORT_KIND, params: { ...params } })
    this.importError = job ? null : this.#jobs.error
    if (job) this.importJobId = job.id
  }

  async cancelImport(): Promise<void> {
    if (this.importJobId) await this.#jobs.cancel(this.importJobId)
  }

  handle(event: StudioEvent): void {
    // A restarted engine may serve another workspace: start over from its list.
    if (event.type === 'engine.status' && event.status.state === 'ready') {
      this.selectedId = null
      this.detail = null
      void this.load()
      return
    }
    if (event.type !== 'job.state' || event.job.kind !== DATASET_IMPORT_KIND || event.job.status !== 'completed') return
    const id = (event.job.result as { record?: { id?: string } } | null)?.record?.id
    void this.load().then(() => (id && event.job.id === this.importJobId ? this.select(id) : undefined))
  }
}
