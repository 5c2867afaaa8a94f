/**
 * The browser mode's `StudioApi`: the same typed interface as Electron's `window.tagi`, over one WebSocket
 * to the studio server (src-main/web/server.ts). Requests sent while the socket is (re)connecting wait for
 * it; a lost connection fails the requests in flight and reconnects with a growing delay.
 */
import { createStudioApi, type CallMethod, type SocketMessage, type StudioApi, type StudioEvent } from '../../../../src-main/contract/index.ts'

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface WebSocketApi {
  api: StudioApi
  onConnection(listener: (state: ConnectionState, detail: string) => void): () => void
}

// Reconnect after 0.5 s, doubling up to 5 s: quick after a blip, gentle while the server is down.
const FIRST_RETRY_MS = 500
const MAX_RETRY_MS = 5000

export function createWebSocketApi(url: string): WebSocketApi {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  const outbox: string[] = []
  const eventListeners = new Set<(event: StudioEvent) => void>()
  const connectionListeners = new Set<(state: ConnectionState, detail: string) => void>()
  let socket: WebSocket
  let seq = 0
  let retryMs = FIRST_RETRY_MS

  const setState = (state: ConnectionState, detail: string) => connectionListeners.forEach((listener) => listener(state, detail))

  function connect(): void {
    setState('connecting', `connecting to ${new URL(url).host}`)
    socket = new WebSocket(url)
    socket.addEventListener('open', () => {
      retryMs = FIRST_RETRY_MS
      setState('open', 'connected')
      outbox.splice(0).forEach((message) => socket.send(message))
    })
    socket.addEventListener('message', (message) => receive(JSON.parse(String(message.data)) as SocketMessage))
    socket.addEventListener('close', (event) => {
      for (const { reject } of pending.values()) reject(new Error('the connection to the studio server was lost'))
      pending.clear()
      setState('closed', `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''}); retrying in ${retryMs / 1000} s`)
      setTimeout(connect, retryMs)
      retryMs = Math.min(MAX_RETRY_MS, retryMs * 2)
    })
  }

  function receive(message: SocketMessage): void {
    if (message.type === 'event') return eventListeners.forEach((listener) => listener(message.event))
    const { response } = message
    const waiting = typeof response.id === 'number' ? pending.get(response.id) : undefined
    if (!waiting) return
    pending.delete(response.id as number)
    if (response.ok) waiting.resolve(response.result)
    else waiting.reject(new Error(response.error.message))
  }

  const call: CallMethod = (method, params) =>
    new Promise((resolve, reject) => {
      const id = ++seq
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      const text = JSON.stringify({ id, method, params })
      if (socket.readyState === WebSocket.OPEN) socket.send(text)
      else outbox.push(text)
    })

  connect()
  return {
    api: createStudioApi(call, (listener) => {
      eventListeners.add(listener)
      return () => void eventListeners.delete(listener)
    }),
    onConnection(listener) {
      connectionListeners.add(listener)
      return () => void connectionListeners.delete(listener)
    },
  }
}
