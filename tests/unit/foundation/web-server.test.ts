// The browser mode's server: token and origin guards on the page, the HTTP API and the WebSocket,
// security headers, static files without path escapes, and a real request/event round trip over WS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { request as httpRequest } from 'node:http'
import WebSocket from 'ws'
import { HostSupervisor, createStudioService, hostOptionsFrom, spawnInProcessHost } from '../../../src-main/host/index.ts'
import { createConfSettingsStore } from '../../../src-main/settings/index.ts'
import { startWebServer, type WebServer } from '../../../src-main/web/server.ts'
import { startBrowserStudio } from '../../../src-main/web/browser-studio.ts'
import { PAGE_CSP } from '../../../src-main/web/security.ts'
import type { SocketMessage, StudioEvent } from '../../../src-main/contract/index.ts'

const scratch = mkdtempSync(join(tmpdir(), 'tagi-web-'))
const rendererDir = join(scratch, 'renderer')
let server: WebServer
let base: string
let close: () => Promise<void>

beforeAll(async () => {
  // A stand-in renderer build: the server only serves files, the real one is exercised by the e2e tests.
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>studio</title>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(scratch, 'secret.txt'), 'outside the renderer')
  const settings = createConfSettingsStore(join(scratch, 'config'))
  const engine = new HostSupervisor(spawnInProcessHost, () => hostOptionsFrom(settings, 'in-process', join(scratch, 'ws')))
  engine.start()
  const service = createStudioService({ settings, engine, workspaceFlag: join(scratch, 'ws') })
  server = await startWebServer({ service, rendererDir })
  base = `http://127.0.0.1:${server.port}`
  close = async () => {
    await server.close()
    await service.close()
  }
})
afterAll(() => close())

/** A raw HTTP request, so Host and Origin can be set freely (fetch forbids both). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      let text = ''
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', fail)
    req.end(body)
  })
}

function connect(path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers })
    ws.once('open', () => done({ ws }))
    ws.once('unexpected-response', (_req, res) => done({ status: res.statusCode ?? 0 }))
    ws.once('error', fail)
  })
}

describe('browser-mode server', () => {
  it('prints a URL with a random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token).toMatch(/^[\w-]{32}$/)
  })

  it('serves the page only with the token (401 without or with a wrong one)', async () => {
    expect((await get('/')).status).toBe(401)
    expect((await get('/?token=wrong')).status).toBe(401)
    expect((await get('/index.html')).status).toBe(401)
    const page = await get(`/?token=${server.token}`)
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>studio</title>')
  })

  it('refuses other origins and other Host names (403)', async () => {
    expect((await get(`/?token=${server.token}`, { Origin: 'http://evil.example' })).status).toBe(403)
    expect((await get(`/?token=${server.token}`, { Origin: `https://127.0.0.1:${server.port}` })).status).toBe(403)
    expect((await get(`/?token=${server.token}`, { Host: `attacker.example:${server.port}` })).status).toBe(403)
    expect((await get(`/?token=${server.token}`, { Origin: `http://localhost:${server.port}`, Host: `localhost:${server.port}` })).status).toBe(200)
  })

  it('guards the HTTP API with the token and answers contract requests', async () => {
    const body = JSON.stringify({ id: 1, method: 'jobs.list' })
    expect((await get('/api/rpc', {}, 'POST', body)).status).toBe(401)
    expect((await get('/api/rpc', { Origin: 'http://evil.example', Authorization: `Bearer ${server.token}` }, 'POST', body)).status).toBe(403)
    const ok = await get('/api/rpc', { Authorization: `Bearer ${server.token}` }, 'POST', body)
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toEqual({ id: 1, ok: true, result: [] })
    const unknown = await get(`/api/rpc?token=${server.token}`, {}, 'POST', JSON.stringify({ id: 2, method: 'rm -rf' }))
    expect(unknown.status).toBe(400)
    expect(JSON.parse(unknown.body).error.code).toBe('unknown-method')
    const notJson = await get(`/api/rpc?token=${server.token}`, {}, 'POST', '{oops')
    expect(notJson.status).toBe(400)
    expect(JSON.parse(notJson.body).error.message).toMatch(/request body is not JSON/)
  })

  it('sends security headers, and the page CSP matches index.html', async () => {
    const page = await get(`/?token=${server.token}`)
    expect(page.headers['content-security-policy']).toBe(`${PAGE_CSP}; frame-ancestors 'none'`)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['cache-control']).toBe('no-store')
    const indexHtml = readFileSync(resolve(import.meta.dirname, '../../../src-renderer/index.html'), 'utf8')
    expect(indexHtml).toContain(`http-equiv="Content-Security-Policy" content="${PAGE_CSP}"`)
  })

  it('serves static assets but nothing outside the renderer folder', async () => {
    const asset = await get('/assets/app.js')
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8')
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%00x', '/nope.js']) {
      expect((await get(path)).status).toBe(404)
    }
  })

  it('upgrades the WebSocket only with the token and a same-origin Origin', async () => {
    expect(await connect('/ws')).toEqual({ status: 401 })
    expect(await connect('/ws?token=nope')).toEqual({ status: 401 })
    expect(await connect(`/ws?token=${server.token}`, { Origin: 'http://evil.example' })).toEqual({ status: 403 })
    expect(await connect(`/other?token=${server.token}`)).toEqual({ status: 404 })
  })

  it('answers requests and pushes job events over the WebSocket', async () => {
    const opened = await connect(`/ws?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` })
    if (!('ws' in opened)) throw new Error(`upgrade refused: ${opened.status}`)
    const { ws } = opened
    const messages: SocketMessage[] = []
    ws.on('message', (data) => messages.push(JSON.parse(String(data))))
    const waitFor = (predicate: (m: SocketMessage) => boolean) =>
      new Promise<SocketMessage>((done) => {
        const check = () => {
          const found = messages.find(predicate)
          if (found) done(found)
          else setTimeout(check, 10)
        }
        check()
      })
    ws.send('not json')
    expect(await waitFor((m) => m.type === 'response' && m.response.id === null)).toMatchObject({ response: { ok: false, error: { code: 'bad-request' } } })
    ws.send(JSON.stringify({ id: 'k', method: 'jobs.start', params: { kind: 'matmul-benchmark', params: { sizes: [32], repeats: 2 } } }))
    expect(await waitFor((m) => m.type === 'response' && m.response.id === 'k')).toMatchObject({ response: { ok: true } })
    const ended = await waitFor((m) => m.type === 'event' && m.event.type === 'job.state' && m.event.job.status === 'completed')
    const job = ((ended as { event: StudioEvent }).event as { job: { result: { rows: { size: number }[] } } }).job
    expect(job.result.rows.map((row) => row.size)).toEqual([32])
    expect(messages.some((m) => m.type === 'event' && m.event.type === 'job.progress')).toBe(true)
    ws.close()
  })

  it('says to run the build when the renderer is missing', async () => {
    const missing = join(scratch, 'never-built')
    await expect(startBrowserStudio({ rendererDir: missing })).rejects.toThrow(
      `the studio's renderer is not built (${join(missing, 'index.html')} is missing): run \`npm run build\` first`,
    )
  })
})
