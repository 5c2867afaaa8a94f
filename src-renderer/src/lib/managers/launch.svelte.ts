/**
 * The launch form's state: the job kinds the engine offers (each with its params schema), the kind
 * chosen, the values being edited (starting at every default) and the outcome of the last start. The
 * form is generated from the schema (lib/schema-form.ts); the engine validates what is sent and its
 * message is shown as is, naming the option and what it expected.
 */
import type { JobKindInfo, JobState, StudioApi } from '../../../../src-main/contract/index.ts'
import { formFields, initialValues, paramsToSend, type FormField, type FormValues } from '../schema-form.ts'

// The whole method is what a newcomer comes to run; single stages are one click away.
const DEFAULT_KIND = 'tagi-pipeline'

export class LaunchManager {
  kinds = $state.raw<JobKindInfo[]>([])
  kind = $state<string>('')
  values = $state<FormValues>({})
  /** Inputs that could not be read (bad JSON), by field path: nothing is sent while any is left. */
  inputErrors = $state<Record<string, string>>({})
  error = $state<string | null>(null)
  starting = $state(false)
  lastStarted = $state.raw<JobState | null>(null)

  info = $derived(this.kinds.find((kind) => kind.kind === this.kind) ?? null)
  fields = $derived<FormField[]>(this.info ? formFields(this.info.paramsSchema) : [])
  /** What Start will send: the options changed from their defaults. */
  params = $derived(this.info ? paramsToSend(this.info.paramsSchema, this.values) : {})

  readonly #api: StudioApi

  constructor(api: StudioApi) {
    this.#api = api
  }

  async load(): Promise<void> {
    try {
      this.kinds = await this.#api.jobKinds()
      this.error = null
      if (!this.info) this.select(this.kinds.some((kind) => kind.kind === DEFAULT_KIND) ? DEFAULT_KIND : (this.kinds[0]?.kind ?? ''))
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  select(kind: string): void {
    this.kind = kind
    this.reset()
  }

  reset(): void {
    this.values = this.info ? initialValues(this.info.paramsSchema) : {}
    this.inputErrors = {}
    this.error = null
  }

  /** Fill the form with a run's config (launch another like it, then change what should differ). */
  prefill(kind: string, config: Record<string, unknown>): void {
    this.select(kind)
    const options = this.info?.paramsSchema.properties ?? {}
    for (const [key, value] of Object.entries(config)) if (key in options && key !== 'resume') this.values[key] = structuredClone(value)
  }

  /** Set the value at a dotted path (`training.steps`); undefined leaves the option out. */
  setValue(path: string, value: unknown): void {
    const keys = path.split('.')
    let target = this.values as Record<string, unknown>
    for (const key of keys.slice(0, -1)) {
      if (target[key] === null || typeof target[key] !== 'object') target[key] = {}
      target = target[key] as Record<string, unknown>
    }
    const last = keys.at(-1)!
    if (value === undefined) delete target[last]
    else target[last] = value
  }

  setInputError(path: string, message: string | null): void {
    if (message) this.inputErrors[path] = message
    else delete this.inputErrors[path]
  }

  async start(): Promise<JobState | null> {
    if (!this.info || this.starting) return null
    const unreadable = Object.entries(this.inputErrors)
    if (unreadable.length > 0) {
      this.error = unreadable.map(([path, message]) => `${path}: ${message}`).join('; ')
      return null
    }
    this.starting = true
    try {
      const job = await this.#api.startJob({ kind: this.kind, params: $state.snapshot(this.params) })
      this.lastStarted = job
      this.error = null
      return job
    } catch (error) {
      this.error = (error as Error).message
      return null
    } finally {
      this.starting = false
    }
  }
}
