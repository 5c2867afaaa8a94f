/**
 * The browser mode's server: the built renderer and the studio service on one HTTP port.
 *   GET  /?token=…   the page (token required; 401 without)
 *   GET  /assets/…   the page's scripts and styles (public build output, no data)
 *   POST /api/rpc    one contract request as JSON, `Authorization: Bearer <token>` or `?token=`
 *   WS   /ws?token=… requests and responses plus pushed events (SocketMessage)
 * Every request passes the Host/Origin checks first (403), then the token check where one is needed (401).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ErrorCode, Response, SocketMessage } from '../contract/index.ts'
import type { StudioService } from '../host/index.ts'
import { SECURITY_HEADERS, allowedHosts, checkHostAndOrigin, newSessionToken, tokenMatches, tokenOf } from './security.ts'
import { resolveStaticPath, sendFile } from './static-files.ts'

export interface WebServerOptions {
  service: StudioService
  /** The built renderer folder (out/renderer). */
  rendererDir: string
  // 127.0.0.1: only this machine can reach the studio.
  host?: string
  // 0: the operating system picks a free port.
  port?: number
  /** A fixed token (tests); by default a random one per session. */
  token?: string
}

export interface WebServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

// One request or message: a training config is a few kB; 1 MB leaves room and bounds memory.
const MAX_BODY_BYTES = 1 << 20

const HTTP_STATUS: Record<ErrorCode, number> = {
  'bad-request': 400,
  'unknown-method': 400,
  'invalid-params': 400,
  'not-found': 404,
  'engine-unavailable': 503,
  failed: 500,
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? newSessionToken()
  const rendererDir = resolve(options.rendererDir)
  const { service } = options
  let hosts = new Set<string>()

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES })
  const server = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`)
      else response.destroy()
    })
  })

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const verdict = checkHostAndOrigin(request, hosts)
    if (!verdict.ok) return sendText(response, verdict.status, verdict.reason)
    const authorised = tokenMatches(tokenOf(request, url), token)

    if (url.pathname === '/api/rpc') {
      if (!authorised) return sendJson(response, 401, { ok: false, id: null, error: { code: 'bad-request', message: 'missing or wrong session token' } })
      if (request.method !== 'POST') return sendText(response, 405, 'use POST with a JSON request body')
      let body: unknown
      try {
        body = JSON.parse(await readBody(request))
      } catch (error) {
        return sendJson(response, 400, { ok: false, id: null, error: { code: 'bad-request', message: `request body is not JSON: ${(error as Error).message}` } })
      }
      const result = await service.handle(body)
      return sendJson(response, result.ok ? 200 : HTTP_STATUS[result.error.code], result)
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, `method ${request.method} is not allowed here`)
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!authorised) return sendText(response, 401, 'This studio needs its session token: open the full URL that `tagi studio` printed (http://…/?token=…).')
      return sendFile(response, join(rendererDir, 'index.html'), SECURITY_HEADERS, request.method === 'HEAD')
    }
    const file = resolveStaticPath(rendererDir, url.pathname)
    if (!file || file.endsWith('.html')) return sendText(response, 404, `not found: ${url.pathname}`)
    sendFile(response, file, SECURITY_HEADERS, request.method === 'HEAD')
  }

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const verdict = checkHostAndOrigin(request, hosts)
    const refusal = !verdict.ok
      ? verdict
      : url.pathname !== '/ws'
        ? ({ status: 404, reason: 'not found' } as const)
        : !tokenMatches(tokenOf(request, url), token)
          ? ({ status: 401, reason: 'missing or wrong session token' } as const)
          : null
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} ${refusal.status === 401 ? 'Unauthorized' : refusal.status === 403 ? 'Forbidden' : 'Not Found'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal.reason}`)
      return
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request))
  })

  sockets.on('connection', (ws: WebSocket) => {
    ws.on('message', async (data) => {
      let raw: unknown
      try {
        raw = JSON.parse(data.toString())
      } catch (error) {
        return send(ws, { type: 'response', response: { id: null, ok: false, error: { code: 'bad-request', message: `message is not JSON: ${(error as Error).message}` } } })
      }
      send(ws, { type: 'response', response: await service.handle(raw) })
    })
  })
  const unsubscribe = service.on((event) => sockets.clients.forEach((ws) => send(ws, { type: 'event', event })))

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolveListen())
  })
  const port = (server.address() as AddressInfo).port
  hosts = allowedHosts(host, port)
  const urlHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe()
      sockets.clients.forEach((ws) => ws.terminate())
      await new Promise<void>((done) => sockets.close(() => done()))
      await new Promise<void>((done) => server.close(() => done()))
      server.closeAllConnections()
    },
  }
}

function send(ws: WebSocket, message: SocketMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  response.end(`${text}\n`)
}

function sendJson(response: ServerResponse, status: number, body: Response | Record<string, unknown>): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
  response.end(JSON.stringify(body))
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body larger than ${MAX_BODY_BYTES} bytes`))
        request.destroy()
      } else chunks.push(chunk)
    })
    request.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}
