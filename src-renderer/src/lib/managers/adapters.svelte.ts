/**
 * The Adapters page's state: the adapters the engine lists (Playground generations, saved generated
 * adapters, teacher LoRAs, or any PEFT folder typed in), the two being compared, the engine's comparison
 * (per-module heatmaps, spectra, summary) and its nearest-teacher ranking of adapter A. A pick is kept as
 * the contract's ref key ('teacher:<run>', 'generation:<id>', 'folder:<path>'), so a link such as
 * `#/adapters/generation:<id>` can preselect adapter A.
 */
import {
  adapterRefKey,
  type AdapterComparisonResult,
  type AdapterEntry,
  type AdapterList,
  type AdapterRef,
  type NearestAdaptersResult,
  type StudioApi,
  type StudioEvent,
} from '../../../../src-main/contract/index.ts'

/** The picker value that means "a folder typed in". */
export const FOLDER_CHOICE = 'folder:'
/** The picker value (B only) that means "the teacher the engine ranks nearest to A". */
export const NEAREST_CHOICE = 'nearest:'

export interface AdapterPick {
  key: string | null
  /** The typed folder when key is FOLDER_CHOICE. */
  folder: string
}

export class AdaptersManager {
  list = $state<AdapterList | null>(null)
  listError = $state<string | null>(null)
  a = $state<AdapterPick>({ key: null, folder: '' })
  b = $state<AdapterPick>({ key: null, folder: '' })

  comparison = $state<AdapterComparisonResult | null>(null)
  comparing = $state(false)
  compareError = $state<string | null>(null)
  nearest = $state<NearestAdaptersResult | null>(null)
  nearestError = $state<string | null>(null)
  /** The module whose spectrum is shown. */
  selectedModule = $state<string | null>(null)

  entries = $derived(this.list ? [...this.list.generations, ...this.list.saved, ...this.list.teachers] : [])
  readonly #api: StudioApi

  constructor(api: StudioApi) {
    this.#api = api
  }

  async load(): Promise<void> {
    try {
      this.list = await this.#api.listAdapters()
      this.listError = this.list.unreadable.length ? this.list.unreadable.map((u) => `${u.name}: ${u.error}`).join('; ') : null
      this.#fillDefaults()
    } catch (error) {
      this.listError = (error as Error).message
    }
  }

  /** A: the newest generated adapter (else the first teacher); B: the teacher nearest to A. */
  #fillDefaults(): void {
    const list = this.list!
    const known = (pick: AdapterPick) => pick.key === FOLDER_CHOICE || pick.key === NEAREST_CHOICE || this.entries.some((e) => adapterRefKey(e.ref) === pick.key)
    const first = [...list.generations, ...list.saved, ...list.teachers][0]
    if (!known(this.a)) this.a = { key: first ? adapterRefKey(first.ref) : null, folder: '' }
    if (!known(this.b)) this.b = { key: NEAREST_CHOICE, folder: '' }
  }

  /** Preselect adapter A from a page link (`#/adapters/<ref key>`); true when A changed. */
  preselect(key: string | null): boolean {
    if (!key || key === this.a.key) return false
    this.a = key.startsWith(FOLDER_CHOICE) ? { key: FOLDER_CHOICE, folder: key.slice(FOLDER_CHOICE.length) } : { key, folder: '' }
    this.b = { key: NEAREST_CHOICE, folder: '' }
    this.comparison = null
    this.nearest = null
    return true
  }

  refOf(pick: AdapterPick): AdapterRef | null {
    if (pick.key === NEAREST_CHOICE) return this.nearest?.ranking[0]?.entry.ref ?? null
    if (pick.key === FOLDER_CHOICE) return pick.folder.trim() ? { kind: 'folder', path: pick.folder.trim() } : null
    return this.entries.find((e) => adapterRefKey(e.ref) === pick.key)?.ref ?? null
  }

  entryOf(key: string): AdapterEntry | null {
    return this.entries.find((e) => adapterRefKey(e.ref) === key) ?? null
  }

  /** Rank the teachers nearest to A and compare A with B (with the nearest one when B says so). */
  async compare(): Promise<void> {
    const a = this.refOf(this.a)
    if (!a) {
      this.compareError = 'choose adapter A (or type a PEFT folder)'
      return
    }
    this.comparing = true
    this.compareError = null
    this.nearestError = null
    try {
      const byNearest = this.b.key === NEAREST_CHOICE
      const fixedB = byNearest ? null : this.refOf(this.b)
      if (!byNearest && !fixedB) {
        this.compareError = 'choose adapter B (or type a PEFT folder)'
        return
      }
      const nearest = this.#api.nearestAdapters({ target: a })
      const comparison = fixedB ? this.#api.compareAdapters({ a, b: fixedB }) : null
      try {
        this.nearest = await nearest
      } catch (error) {
        this.nearest = null
        this.nearestError = (error as Error).message
      }
      const b = fixedB ?? this.nearest?.ranking[0]?.entry.ref ?? null
      if (!b) {
        this.comparison = null
        this.compareError = `no nearest teacher to compare with${this.nearestError ? '' : ': the ranking is empty'}; choose adapter B`
        return
      }
      this.#show(await (comparison ?? this.#api.compareAdapters({ a, b })))
    } catch (error) {
      this.comparison = null
      this.compareError = (error as Error).message
    } finally {
      this.comparing = false
    }
  }

  #show(comparison: AdapterComparisonResult): void {
    this.comparison = comparison
    if (!comparison.modules.some((m) => m.id === this.selectedModule)) this.selectedModule = comparison.summary.minCosine?.id ?? comparison.modules[0]?.id ?? null
  }

  /** Put a ranked teacher in B and compare. */
  async compareWith(ref: AdapterRef): Promise<void> {
    this.b = { key: adapterRefKey(ref), folder: '' }
    await this.compare()
  }

  handle(event: StudioEvent): void {
    if (event.type === 'job.state' && event.job.status === 'completed') void this.load()
  }
}
