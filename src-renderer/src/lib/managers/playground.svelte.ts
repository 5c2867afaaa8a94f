/**
 * The Playground's state: the trained hypernetworks, the instruction being written (definition, examples),
 * the adapter the engine generated from it, the side-by-side answers to the user's inputs, saved
 * instructions and the export of the generated adapter. Every result is the engine host's; this class only
 * sequences the requests and keeps each error beside the action that caused it.
 */
import type {
  ExportResult,
  GenerationResult,
  HypernetworkInfo,
  PlaygroundRunResult,
  SavedInstruction,
  StudioApi,
  StudioEvent,
  UserInstruction,
} from '../../../../src-main/contract/index.ts'

export interface ExampleDraft {
  input: string
  output: string
}

export class PlaygroundManager {
  hypernetworks = $state<HypernetworkInfo[]>([])
  loaded = $state(false)
  listError = $state<string | null>(null)
  hyperId = $state<string | null>(null)
  hyper = $derived(this.hypernetworks.find((h) => h.id === this.hyperId) ?? null)

  name = $state('')
  definition = $state('')
  examples = $state<ExampleDraft[]>([])
  inputs = $state<string[]>([''])
  maxNewTokens = $state(32)

  generation = $state<GenerationResult | null>(null)
  generating = $state(false)
  generateError = $state<string | null>(null)
  /** The instruction or hypernetwork changed since the shown adapter was generated. */
  stale = $derived(this.generation !== null && (this.generation.hyper !== this.hyperId || JSON.stringify(this.generation.instruction) !== JSON.stringify(this.#instruction())))

  result = $state<PlaygroundRunResult | null>(null)
  running = $state(false)
  runError = $state<string | null>(null)

  saved = $state<SavedInstruction[]>([])
  savedUnreadable = $state<{ file: string; error: string }[]>([])
  savedDir = $state('')
  saveError = $state<string | null>(null)
  saveNotice = $state<string | null>(null)

  exportPath = $state('')
  exporting = $state(false)
  exportError = $state<string | null>(null)
  exported = $state<ExportResult | null>(null)

  readonly #api: StudioApi

  constructor(api: StudioApi) {
    this.#api = api
  }

  #instruction(): UserInstruction {
    return { definition: this.definition, examples: this.examples.filter((e) => e.input.trim() || e.output.trim()).map((e) => ({ input: e.input, output: e.output })) }
  }

  async load(): Promise<void> {
    await Promise.all([this.loadHypernetworks(), this.loadSaved()])
  }

  async loadHypernetworks(): Promise<void> {
    try {
      const list = await this.#api.listHypernetworks()
      this.hypernetworks = list.hypernetworks
      this.listError = list.unreadable.length ? `${list.unreadable.length} run folder(s) could not be read: ${list.unreadable.map((u) => `${u.id}: ${u.error}`).join('; ')}` : null
      if (!this.hyper) this.hyperId = list.hypernetworks.find((h) => h.stage === 'hyper-finetune')?.id ?? list.hypernetworks[0]?.id ?? null
    } catch (error) {
      this.listError = (error as Error).message
    } finally {
      this.loaded = true
    }
  }

  async loadSaved(): Promise<void> {
    try {
      const list = await this.#api.listInstructions()
      this.saved = list.instructions
      this.savedUnreadable = list.unreadable
      this.savedDir = list.dir
    } catch (error) {
      this.saveError = (error as Error).message
    }
  }

  addExample(): void {
    this.examples.push({ input: '', output: '' })
  }
  removeExample(index: number): void {
    this.examples.splice(index, 1)
  }
  addInput(): void {
    this.inputs.push('')
  }
  removeInput(index: number): void {
    this.inputs.splice(index, 1)
    if (this.inputs.length === 0) this.inputs.push('')
  }

  /** Generate the adapter for the current instruction with the chosen hypernetwork. */
  async generate(): Promise<boolean> {
    if (!this.hyperId) {
      this.generateError = 'choose a trained hypernetwork first'
      return false
    }
    this.generating = true
    this.generateError = null
    try {
      this.generation = await this.#api.generateAdapter({ hyper: this.hyperId, instruction: this.#instruction() })
      this.result = null
      this.exported = null
      this.exportError = null
      this.exportPath = this.generation.suggestedExportDir
      return true
    } catch (error) {
      this.generateError = (error as Error).message
      return false
    } finally {
      this.generating = false
    }
  }

  /** Answer the inputs side by side, generating the adapter first when there is none for this instruction. */
  async run(): Promise<void> {
    const inputs = this.inputs.map((i) => i.trim()).filter(Boolean)
    if (inputs.length === 0) {
      this.runError = 'type at least one input to answer'
      return
    }
    if ((!this.generation || this.stale) && !(await this.generate())) return
    this.running = true
    this.runError = null
    try {
      this.result = await this.#api.runPlayground({ generation: this.generation!.id, inputs, maxNewTokens: this.maxNewTokens })
    } catch (error) {
      this.runError = (error as Error).message
    } finally {
      this.running = false
    }
  }

  async save(): Promise<void> {
    this.saveError = null
    this.saveNotice = null
    try {
      const saved = await this.#api.saveInstruction({
        name: this.name.trim() || this.definition.trim().split(/\s+/).slice(0, 6).join(' '),
        definition: this.definition,
        examples: this.#instruction().examples,
        inputs: this.inputs.filter((i) => i.trim()),
        hyper: this.hyperId,
      })
      this.name = saved.name
      this.saveNotice = `Saved as ${this.savedDir ? `${this.savedDir}/` : ''}${saved.id}.json`
      await this.loadSaved()
    } catch (error) {
      this.saveError = (error as Error).message
    }
  }

  open(instruction: SavedInstruction): void {
    this.name = instruction.name
    this.definition = instruction.definition
    this.examples = instruction.examples.map((e) => ({ ...e }))
    this.inputs = instruction.inputs.length ? [...instruction.inputs] : ['']
    if (instruction.hyper && this.hypernetworks.some((h) => h.id === instruction.hyper)) this.hyperId = instruction.hyper
    this.saveNotice = null
    this.saveError = null
  }

  async remove(id: string): Promise<void> {
    try {
      const list = await this.#api.deleteInstruction(id)
      this.saved = list.instructions
      this.saveNotice = null
    } catch (error) {
      this.saveError = (error as Error).message
    }
  }

  async exportAdapter(): Promise<void> {
    if (!this.generation) return
    this.exporting = true
    this.exportError = null
    try {
      this.exported = await this.#api.exportGeneratedAdapter({ generation: this.generation.id, out: this.exportPath.trim() })
    } catch (error) {
      this.exportError = (error as Error).message
    } finally {
      this.exporting = false
    }
  }

  /** A job that completes may have added a hypernetwork (a pipeline, a finetuning stage): the list is re-read. */
  handle(event: StudioEvent): void {
    if (event.type === 'job.state' && event.job.status === 'completed') void this.loadHypernetworks()
  }
}
