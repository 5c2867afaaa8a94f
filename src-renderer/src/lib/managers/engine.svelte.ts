/**
 * Engine state: what the host reports (backend and why, versions, memory, workspace) and its life-cycle
 * status as the face's supervisor streams it; `restart()` applies a changed backend or workspace.
 */
import type { EngineInfo, EngineStatus, StudioApi, StudioEvent } from '../../../../src-main/contract/index.ts'

export class EngineManager {
  info = $state<EngineInfo | null>(null)
  status = $state<EngineStatus | null>(null)
  error = $state<string | null>(null)
  restarting = $state(false)
  /** Connection to the studio server (browser mode); always 'open' in Electron. */
  connection = $state<{ state: 'connecting' | 'open' | 'closed'; detail: string }>({ state: 'connecting', detail: '' })
  readonly #api: StudioApi

  constructor(api: StudioApi) {
    this.#api = api
  }

  async refresh(): Promise<void> {
    try {
      this.info = await this.#api.engineInfo()
      this.status = this.info.status ?? this.status
      this.error = null
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  async restart(): Promise<void> {
    this.restarting = true
    try {
      this.info = await this.#api.restartEngine()
      this.status = this.info.status ?? this.status
      this.error = null
    } catch (error) {
      this.error = (error as Error).message
    } finally {
      this.restarting = false
    }
  }

  handle(event: StudioEvent): void {
    if (event.type !== 'engine.status') return
    this.status = event.status
    if (event.status.state === 'ready') void this.refresh()
  }
}
