// The engine host core (in-process): engine info, typed errors for every kind of bad request (never a
// throw or a crash), job plumbing through `handle`, and events.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngineHost } from '../../../src-main/host/index.ts'
import type { EngineInfo, JobState, StudioEvent } from '../../../src-main/contract/index.ts'

const workspace = mkdtempSync(join(tmpdir(), 'tagi-host-'))
const host = createEngineHost({ backend: 'auto', workspace: { dir: workspace, source: 'flag' }, transport: 'in-process' })
const events: StudioEvent[] = []
host.on((event) => events.push(event))
afterAll(() => host.dispose())

describe('engine host', () => {
  it('reports engine info and prepares the workspace', async () => {
    const response = await host.handle({ id: 'i', method: 'engine.info' })
    expect(response.ok).toBe(true)
    const info = (response as { result: EngineInfo }).result
    expect(['wasm', 'tensorflow', 'cpu']).toContain(info.backend.name)
    expect(info.backend.reason.length).toBeGreaterThan(10)
    expect(info.tfjsVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(info.workspace).toEqual({ dir: workspace, source: 'flag' })
    expect(info.host).toMatchObject({ transport: 'in-process', pid: process.pid })
    expect(info.memory.rssBytes).toBeGreaterThan(0)
    expect(existsSync(join(workspace, 'runs'))).toBe(true)
    expect(existsSync(join(workspace, 'datasets'))).toBe(true)
  })

  it('answers garbage with typed errors instead of throwing', async () => {
    for (const raw of [undefined, null, 'hello', 12, [1, 2], { id: 1 }, { method: 'engine.info' }]) {
      const response = await host.handle(raw)
      expect(response.ok).toBe(false)
      expect(response.ok === false && response.error.code).toBe('bad-request')
    }
    const unknown = await host.handle({ id: 2, method: 'engine.selfDestruct' })
    expect(unknown).toMatchObject({ id: 2, ok: false, error: { code: 'unknown-method' } })
    const badParams = await host.handle({ id: 3, method: 'jobs.cancel', params: {} })
    expect(badParams).toMatchObject({ id: 3, ok: false, error: { code: 'invalid-params' } })
    expect(badParams.ok === false && badParams.error.message).toContain('params.id')
  })

  it('leaves settings and restarts to the face that owns them', async () => {
    const response = await host.handle({ id: 4, method: 'settings.get' })
    expect(response).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    expect(response.ok === false && response.error.message).toContain('not served by the engine host')
  })

  it('starts, lists, gets and cancels jobs through requests', async () => {
    const kinds = await host.handle({ id: 5, method: 'jobs.kinds' })
    expect(kinds.ok && (kinds.result as { kind: string }[]).map((k) => k.kind)).toContain('matmul-benchmark')

    const bad = await host.handle({ id: 6, method: 'jobs.start', params: { kind: 'matmul-benchmark', params: { sizes: [] } } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-params' } })

    const started = await host.handle({ id: 7, method: 'jobs.start', params: { kind: 'matmul-benchmark', params: { sizes: [512], repeats: 200 } } })
    const job = (started as { result: JobState }).result
    expect(job.status).toBe('running') // nothing else ran, so it started at once
    await new Promise((resolve) => setTimeout(resolve, 50))
    const cancelled = await host.handle({ id: 8, method: 'jobs.cancel', params: { id: job.id } })
    expect(cancelled.ok).toBe(true)
    let state: JobState
    do {
      await new Promise((resolve) => setTimeout(resolve, 20))
      state = ((await host.handle({ id: 9, method: 'jobs.get', params: { id: job.id } })) as { result: JobState }).result
    } while (state.status === 'running')
    expect(state.status).toBe('cancelled')
    expect(state.progress!.step).toBeLessThan(200)
    const list = await host.handle({ id: 10, method: 'jobs.list' })
    expect(list.ok && (list.result as JobState[]).map((j) => j.id)).toContain(job.id)
    const missing = await host.handle({ id: 11, method: 'jobs.get', params: { id: 'job-nope' } })
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found', message: "no job with id 'job-nope'" } })
    expect(events.some((e) => e.type === 'job.state' && e.job.id === job.id && e.job.status === 'cancelled')).toBe(true)
  })

  it('reports a backend that cannot start as engine-unavailable, per request', async () => {
    // A workspace path under a regular file cannot be created: the host stays up and says why.
    const blocker = join(workspace, 'runs', 'a-file')
    await import('node:fs').then((fs) => fs.writeFileSync(blocker, 'x'))
    const broken = createEngineHost({ backend: 'auto', workspace: { dir: join(blocker, 'ws'), source: 'flag' }, transport: 'in-process' })
    const response = await broken.handle({ id: 1, method: 'engine.info' })
    expect(response).toMatchObject({ ok: false, error: { code: 'engine-unavailable' } })
    expect(response.ok === false && response.error.message).toContain('the engine could not start')
    await broken.dispose()
  })
})
