// The engine host exactly as the Electron app forks it (out/main/engine-host.js, built by electron-vite),
// run under a stand-in for Electron's utility process (process.parentPort over Node IPC): it must start,
// answer requests and run a job from the bundle, with its externalised dependencies resolving.
import { afterAll, describe, expect, it } from 'vitest'
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './helpers/studio-process.ts'
import { EXPECTED_BACKEND } from './helpers/expected-backend.ts'
import type { HostOutbound } from '../../src-main/host/messages.ts'

const BUNDLE = join(REPO_ROOT, 'out', 'main', 'engine-host.js')
let child: ChildProcess | undefined
afterAll(() => void child?.kill())

describe('built engine host (utility-process entry)', () => {
  it('serves the contract from the bundle', async () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`).toBe(true)
    child = fork(join(import.meta.dirname, 'helpers', 'utility-process-shim.mjs'), [BUNDLE], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const messages: HostOutbound[] = []
    child.on('message', (message) => messages.push(message as HostOutbound))
    const waitFor = (predicate: (m: HostOutbound) => boolean) =>
      new Promise<HostOutbound>((resolve, reject) => {
        const started = Date.now()
        const check = () => {
          const found = messages.find(predicate)
          if (found) resolve(found)
          else if (Date.now() - started > 60_000) reject(new Error(`timed out; got ${JSON.stringify(messages).slice(0, 500)}`))
          else setTimeout(check, 20)
        }
        check()
      })
    const workspace = mkdtempSync(join(tmpdir(), 'tagi-bundle-'))
    child.send({ type: 'init', options: { backend: 'auto', workspace: { dir: workspace, source: 'flag' }, transport: 'utility-process' } })
    expect(await waitFor((m) => m.type === 'ready' || m.type === 'fatal')).toMatchObject({ type: 'ready' })
    child.send({ type: 'request', request: { id: 1, method: 'engine.info' } })
    const info = await waitFor((m) => m.type === 'response' && m.response.id === 1)
    expect(info).toMatchObject({ response: { ok: true, result: { backend: { name: EXPECTED_BACKEND }, host: { transport: 'utility-process', pid: child.pid } } } })
    child.send({ type: 'request', request: { id: 2, method: 'jobs.start', params: { kind: 'matmul-benchmark', params: { sizes: [64], repeats: 2 } } } })
    const done = await waitFor((m) => m.type === 'event' && m.event.type === 'job.state' && m.event.job.status === 'completed')
    expect(done).toMatchObject({ event: { job: { result: { rows: [{ size: 64, repeats: 2 }] } } } })
    child.send({ type: 'request', request: { id: 3, method: 'no.such.method' } })
    expect(await waitFor((m) => m.type === 'response' && m.response.id === 3)).toMatchObject({ response: { ok: false, error: { code: 'unknown-method' } } })
  })
})
