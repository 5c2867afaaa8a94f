/**
 * In-process adapter: the engine host in the caller's own thread (tests, the CLI). Same messages as the
 * worker and utility-process adapters, delivered asynchronously, so code tested here behaves the same there.
 */
import type { HostInbound, HostOutbound } from '../messages.ts'
import type { HostChannel } from '../supervisor.ts'
import { serveEngineHost } from './serve.ts'

export function spawnInProcessHost(): HostChannel {
  const toHost = new Set<(message: unknown) => void>()
  const toFace = new Set<(message: HostOutbound) => void>()
  const exitListeners = new Set<(description: string) => void>()
  let alive = true
  const served = serveEngineHost({
    post: (message) => queueMicrotask(() => alive && toFace.forEach((listener) => listener(structuredClone(message)))),
    onMessage: (listener) => void toHost.add(listener),
  })
  return {
    send: (message: HostInbound) => queueMicrotask(() => alive && toHost.forEach((listener) => listener(structuredClone(message)))),
    onMessage: (listener) => void toFace.add(listener),
    onExit: (listener) => void exitListeners.add(listener),
    kill: () => {
      if (!alive) return
      alive = false
      const host = served.host()
      void (host ? host.dispose() : Promise.resolve()).then(() => exitListeners.forEach((listener) => listener('stopped')))
    },
  }
}
