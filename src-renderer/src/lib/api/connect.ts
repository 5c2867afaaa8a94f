/**
 * Which `StudioApi` the renderer talks to: Electron's preload exposes `window.tagi`; in the browser mode
 * there is none, and the page opens a WebSocket to the server that served it, passing the session token
 * from its URL (kept in sessionStorage so it survives in-app navigation).
 */
import type { StudioApi } from '../../../../src-main/contract/index.ts'
import { createWebSocketApi, type ConnectionState } from './ws-client.ts'

declare global {
  interface Window {
    tagi?: StudioApi
  }
}

export interface StudioConnection {
  api: StudioApi
  /** 'electron' or 'browser'. */
  face: 'electron' | 'browser'
  onConnection(listener: (state: ConnectionState, detail: string) => void): () => void
}

const TOKEN_KEY = 'tagi.session-token'

function sessionToken(): string {
  const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem(TOKEN_KEY)
  if (!token) throw new Error('this page has no session token: open the full URL that `tagi studio` printed')
  sessionStorage.setItem(TOKEN_KEY, token)
  return token
}

export function connectStudio(): StudioConnection {
  if (window.tagi) return { api: window.tagi, face: 'electron', onConnection: () => () => {} }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const client = createWebSocketApi(`${scheme}://${location.host}/ws?token=${encodeURIComponent(sessionToken())}`)
  return { api: client.api, face: 'browser', onConnection: client.onConnection }
}
