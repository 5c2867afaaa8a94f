/**
 * The face side of an out-of-thread engine host: spawns it through a `HostChannel` (worker_threads in the
 * browser mode, utilityProcess in Electron, in-process in tests), forwards requests and events, restarts
 * it when it dies and says so with `engine.status` events. A crash loop (many deaths in a short window)
 * stops the restarts, so a broken install does not spin forever; `restart()` by hand tries again.
 */
import { StudioError, errorResponse, type EngineStatus, type RequestId, type Response, type StudioEvent, type ValidatedRequest } from '../contract/index.ts'
import type { HostInbound, HostOptions, HostOutbound } from './messages.ts'

/** One running host, whatever carries it. */
export interface HostChannel {
  send(message: HostInbound): void
  onMessage(listener: (message: HostOutbound) => void): void
  /** Called once when the host is gone, with a human description ("exited with code 1: …"). */
  onExit(listener: (description: string) => void): void
  kill(): void
}

export type SpawnHost = () => HostChannel

/** What a face needs from its engine, however it is hosted. */
export interface EngineConnection {
  call(request: ValidatedRequest): Promise<Response>
  onEvent(listener: (event: StudioEvent) => void): () => void
  status(): EngineStatus
  /** Stop the host (running jobs end with it) and start a fresh one with freshly read options. */
  restart(reason: string): Promise<void>
  close(): Promise<void>
}

export interface SupervisorConfig {
  // 5 deaths within a minute is a crash loop, not bad luck: stop restarting and report it.
  maxCrashes?: number
  crashWindowMs?: number
}

interface Live {
  channel: HostChannel
  exited: Promise<void>
  pending: Map<number, { id: RequestId; resolve: (response: Response) => void }>
}

export class HostSupervisor implements EngineConnection {
  readonly #spawn: SpawnHost
  readonly #options: () => HostOptions
  readonly #config: Required<SupervisorConfig>
  readonly #listeners = new Set<(event: StudioEvent) => void>()
  #live: Live | null = null
  #seq = 0
  #status: EngineStatus = { state: 'stopped', message: 'not started', restarts: 0 }
  #crashTimes: number[] = []
  #closed = false

  /** `options` is called at every (re)start, so a changed setting (backend, workspace) applies then. */
  constructor(spawn: SpawnHost, options: () => HostOptions, config: SupervisorConfig = {}) {
    this.#spawn = spawn
    this.#options = options
    this.#config = { maxCrashes: 5, crashWindowMs: 60_000, ...config }
  }

  start(): void {
    if (this.#live || this.#closed) return
    const options = this.#options()
    const channel = this.#spawn()
    let exit!: () => void
    const live: Live = { channel, exited: new Promise((resolve) => (exit = resolve)), pending: new Map() }
    this.#live = live
    channel.onMessage((message) => this.#onMessage(live, message))
    channel.onExit((description) => {
      exit()
      this.#onExit(live, description)
    })
    channel.send({ type: 'init', options })
    this.#setStatus('starting', `starting the engine host (${options.transport}, backend preference ${options.backend})`)
  }

  status(): EngineStatus {
    return { ...this.#status }
  }

  onEvent(listener: (event: StudioEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  call(request: ValidatedRequest): Promise<Response> {
    const live = this.#live
    if (!live) {
      return Promise.resolve(errorResponse(request.id, new StudioError('engine-unavailable', `the engine host is not running: ${this.#status.message}`)))
    }
    const seq = ++this.#seq // faces number their requests independently; the host sees unique ids
    return new Promise((resolve) => {
      live.pending.set(seq, { id: request.id, resolve })
      live.channel.send({ type: 'request', request: { ...request, id: seq } })
    })
  }

  async restart(reason: string): Promise<void> {
    this.#crashTimes = []
    await this.#stop(`restarting: ${reason}`)
    this.#status.restarts++
    this.start()
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#stop('the studio is closing')
    this.#setStatus('stopped', 'the studio closed the engine host')
    this.#listeners.clear()
  }

  async #stop(message: string): Promise<void> {
    const live = this.#live
    if (!live) return
    this.#live = null // its exit is expected: #onExit sees it is no longer the live host
    this.#failPending(live, message)
    this.#setStatus('restarting', message)
    live.channel.kill()
    await live.exited
  }

  #onMessage(live: Live, message: HostOutbound): void {
    if (live !== this.#live) return // a message from a host already replaced
    if (message.type === 'response') {
      const seq = message.response.id
      const waiting = typeof seq === 'number' ? live.pending.get(seq) : undefined
      if (!waiting) return
      live.pending.delete(seq as number)
      waiting.resolve({ ...message.response, id: waiting.id })
    } else if (message.type === 'event') {
      this.#emit(message.event)
    } else if (message.type === 'ready') {
      this.#setStatus('ready', `engine ready on ${message.label}`)
    } else if (message.type === 'fatal') {
      this.#setStatus('crashed', message.message)
    }
  }

  #onExit(live: Live, description: string): void {
    if (live !== this.#live) return // stopped on purpose
    this.#live = null
    this.#failPending(live, `the engine host stopped (${description})`)
    if (this.#closed) return
    const now = Date.now()
    this.#crashTimes = [...this.#crashTimes.filter((t) => now - t < this.#config.crashWindowMs), now]
    if (this.#crashTimes.length >= this.#config.maxCrashes) {
      this.#setStatus('crashed', `the engine host stopped ${this.#crashTimes.length} times in a row (last: ${description}); restart it from Settings`)
      return
    }
    this.#status.restarts++
    this.#setStatus('restarting', `the engine host stopped (${description}); restarting it`)
    this.start()
  }

  #failPending(live: Live, message: string): void {
    for (const { id, resolve } of live.pending.values()) resolve(errorResponse(id, new StudioError('engine-unavailable', message)))
    live.pending.clear()
  }

  #setStatus(state: EngineStatus['state'], message: string): void {
    this.#status = { state, message, restarts: this.#status.restarts }
    this.#emit({ type: 'engine.status', status: this.status() })
  }

  #emit(event: StudioEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}
