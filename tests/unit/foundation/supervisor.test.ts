// The out-of-thread host: the worker_threads adapter under the supervisor, restart after a death (with
// engine.status events), crash-loop stop, and the studio service's settings/restart handling.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HostSupervisor, createStudioService, hostOptionsFrom, spawnWorkerHost, type HostChannel } from '../../../src-main/host/index.ts'
import { createConfSettingsStore } from '../../../src-main/settings/index.ts'
import { validateRequest, type EngineInfo, type EngineStatus, type StudioEvent } from '../../../src-main/contract/index.ts'

const scratch = mkdtempSync(join(tmpdir(), 'tagi-supervisor-'))
const options = () => ({ backend: 'auto' as const, workspace: { dir: join(scratch, 'ws'), source: 'flag' as const }, transport: 'worker' })
const closers: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const close of closers) await close()
})

function waitForStatus(supervisor: HostSupervisor, state: EngineStatus['state'], timeoutMs = 60_000): Promise<EngineStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${state}' status within ${timeoutMs} ms (now: ${supervisor.status().state})`)), timeoutMs)
    const off = supervisor.onEvent((event) => {
      if (event.type === 'engine.status' && event.status.state === state) {
        clearTimeout(timer)
        off()
        resolve(event.status)
      }
    })
  })
}

describe('HostSupervisor with a worker thread', () => {
  it('serves requests from a worker and restarts it after it dies', async () => {
    const channels: HostChannel[] = []
    const supervisor = new HostSupervisor(() => {
      const channel = spawnWorkerHost()
      channels.push(channel)
      return channel
    }, options)
    closers.push(() => supervisor.close())
    const events: StudioEvent[] = []
    supervisor.onEvent((event) => events.push(event))
    const ready = waitForStatus(supervisor, 'ready')
    supervisor.start()
    await ready
    const info = await supervisor.call(validateRequest({ id: 'a', method: 'engine.info' }))
    expect(info).toMatchObject({ id: 'a', ok: true })
    const firstPid = (info as { result: EngineInfo }).result.host.pid
    expect((info as { result: EngineInfo }).result.host.transport).toBe('worker')
    expect(firstPid).toBe(process.pid) // a thread, not a process

    // Kill the worker behind the supervisor's back: a crash, as far as it knows.
    const restarted = waitForStatus(supervisor, 'ready')
    channels[0].kill()
    const status = await restarted
    expect(status.restarts).toBe(1)
    expect(events.some((e) => e.type === 'engine.status' && e.status.state === 'restarting' && /stopped \(exited with code 1\)/.test(e.status.message))).toBe(true)
    expect(channels.length).toBe(2)
    const again = await supervisor.call(validateRequest({ id: 'b', method: 'jobs.list' }))
    expect(again).toEqual({ id: 'b', ok: true, result: [] })
  })

  it('stops restarting after a crash loop and answers engine-unavailable', async () => {
    // A host that dies at once, every time: a real worker that exits before serving anything.
    const dying = (): HostChannel => {
      const channel = spawnWorkerHost()
      channel.kill()
      return channel
    }
    const supervisor = new HostSupervisor(dying, options, { maxCrashes: 3 })
    closers.push(() => supervisor.close())
    const crashed = waitForStatus(supervisor, 'crashed')
    supervisor.start()
    const status = await crashed
    expect(status.message).toMatch(/stopped 3 times in a row/)
    const response = await supervisor.call(validateRequest({ id: 1, method: 'engine.info' }))
    expect(response).toMatchObject({ ok: false, error: { code: 'engine-unavailable' } })
  })
})

describe('studio service', () => {
  it('answers settings itself and applies a new backend preference on restart', async () => {
    const settings = createConfSettingsStore(join(scratch, 'config'))
    const engine = new HostSupervisor(spawnWorkerHost, () => hostOptionsFrom(settings, 'worker', join(scratch, 'ws2')))
    engine.start()
    const service = createStudioService({ settings, engine, workspaceFlag: join(scratch, 'ws2') })
    closers.push(() => service.close())
    const events: StudioEvent[] = []
    service.on((event) => events.push(event))

    const before = await service.handle({ id: 1, method: 'engine.info' })
    expect(before.ok && (before.result as EngineInfo).backend.requested).toBe('auto')

    const bad = await service.handle({ id: 2, method: 'settings.update', params: { backend: 'quantum' } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-params' } })
    const updated = await service.handle({ id: 3, method: 'settings.update', params: { backend: 'cpu' } })
    expect(updated).toMatchObject({ ok: true, result: { values: { backend: 'cpu' }, workspace: { source: 'flag' } } })
    expect(events.some((e) => e.type === 'settings.changed')).toBe(true)

    const restarted = await service.handle({ id: 4, method: 'engine.restart' })
    expect(restarted.ok).toBe(true)
    const info = (restarted as { result: EngineInfo }).result
    expect(info.backend).toMatchObject({ name: 'cpu', requested: 'cpu', reason: 'cpu was requested and started' })
    expect(info.status).toMatchObject({ restarts: 1 }) // the face adds its supervisor's view
    expect(engine.status().restarts).toBe(1)
  })
})
