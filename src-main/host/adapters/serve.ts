/**
 * The host side of a message channel: whatever carries the messages (worker_threads' parentPort,
 * Electron's process.parentPort, an in-process queue), the protocol is the same: `init` creates the
 * engine host, each `request` gets one `response`, every host event is forwarded, `ready`/`fatal` report
 * the backend start.
 */
import { errorResponse, formatIssues, requestIdOf, StudioError } from '../../contract/index.ts'
import { createEngineHost, type EngineHost } from '../engine-host.ts'
import { HostOptionsSchema, type HostOutbound } from '../messages.ts'

export interface MessagePortLike {
  post(message: HostOutbound): void
  onMessage(listener: (message: unknown) => void): void
}

export function serveEngineHost(port: MessagePortLike): { host: () => EngineHost | null } {
  let host: EngineHost | null = null
  port.onMessage(async (message) => {
    const type = message !== null && typeof message === 'object' ? (message as { type?: unknown }).type : undefined
    if (type === 'init') {
      const raw = (message as { options?: unknown }).options
      const options = HostOptionsSchema.safeParse(raw)
      if (!options.success) return port.post({ type: 'fatal', message: `bad host options: ${formatIssues(options.error, raw, 'options')}` })
      if (host) return port.post({ type: 'fatal', message: 'the engine host was initialised twice' })
      const created = createEngineHost(options.data)
      host = created
      created.on((event) => port.post({ type: 'event', event }))
      created.ready.then(
        (backend) => port.post({ type: 'ready', label: backend.label }),
        (error: unknown) => port.post({ type: 'fatal', message: `the compute backend could not start: ${error instanceof Error ? error.message : String(error)}` }),
      )
    } else if (type === 'request') {
      const request = (message as { request?: unknown }).request
      const response = host
        ? await host.handle(request)
        : errorResponse(requestIdOf(request), new StudioError('engine-unavailable', 'the engine host got a request before its init message'))
      port.post({ type: 'response', response })
    }
    // Anything else is not from a face of this studio: ignore it rather than crash the host.
  })
  return { host: () => host }
}
