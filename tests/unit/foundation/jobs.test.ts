// The job manager: validated start, one job at a time from a queue, progress/log events, cooperative
// cancel, final states, and the real matMul benchmark kind on the active backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { JobManager, defineJobKind, BUILTIN_JOB_KINDS } from '../../../src-main/engine/jobs/index.ts'
import { StudioError, type StudioEvent } from '../../../src-main/contract/index.ts'

// A job that counts to `steps`, yielding between steps, so the tests can watch and cancel it.
const counter = defineJobKind({
  kind: 'counter',
  title: 'Count',
  description: 'counts',
  params: z.strictObject({ steps: z.number().int().min(1).default(3), delayMs: z.number().min(0).default(0) }),
  async run(params, ctx) {
    for (let step = 1; step <= params.steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, params.delayMs))
      ctx.progress({ step, total: params.steps, message: `step ${step}`, metrics: { value: step * 10 } })
      ctx.log(`did ${step}`)
      await ctx.yieldAndCheck()
    }
    return { counted: params.steps }
  },
})

const failing = defineJobKind({
  kind: 'failing',
  title: 'Fail',
  description: 'throws',
  params: z.strictObject({}),
  async run() {
    throw new Error('the data file is corrupt')
  },
})

function collect(manager: JobManager): StudioEvent[] {
  const events: StudioEvent[] = []
  manager.on((event) => events.push(event))
  return events
}

describe('JobManager', () => {
  const manager = () => new JobManager([counter, failing], { workspaceDir: '/tmp/unused', progressIntervalMs: 0 })

  it('validates the kind and params before queueing', () => {
    const jobs = manager()
    expect(() => jobs.start({ kind: 'nope' })).toThrow(/unknown job kind 'nope' \(expected one of: counter, failing\)/)
    const error = (() => {
      try {
        jobs.start({ kind: 'counter', params: { steps: 0 } })
      } catch (e) {
        return e as StudioError
      }
    })()
    expect(error?.code).toBe('invalid-params')
    expect(error?.message).toContain('params.steps: Too small')
    expect(error?.message).toContain('(found: 0)')
    expect(jobs.list()).toEqual([])
  })

  it('runs a job to completion with progress, ETA, metrics, logs and result', async () => {
    const jobs = manager()
    const events = collect(jobs)
    const started = jobs.start({ kind: 'counter', params: { steps: 4 } })
    expect(started.params).toEqual({ steps: 4, delayMs: 0 })
    await jobs.idle()
    const done = jobs.get(started.id)
    expect(done.status).toBe('completed')
    expect(done.result).toEqual({ counted: 4 })
    expect(done.error).toBeNull()
    expect(done.endedAt).not.toBeNull()
    expect(done.logs.map((l) => l.message)).toEqual(['did 1', 'did 2', 'did 3', 'did 4'])
    const progress = events.filter((e) => e.type === 'job.progress').map((e) => (e.type === 'job.progress' ? e.progress : null)!)
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4])
    expect(progress.map((p) => p.fraction)).toEqual([0.25, 0.5, 0.75, 1])
    expect(progress[3].etaSeconds).toBe(0)
    expect(progress[0].etaSeconds).not.toBeNull()
    expect(progress[1].metrics).toEqual({ value: 20 })
    const states = events.filter((e) => e.type === 'job.state').map((e) => (e.type === 'job.state' ? e.job.status : ''))
    expect(states).toEqual(['queued', 'running', 'completed'])
  })

  it('runs one job at a time, in order', async () => {
    const jobs = manager()
    const events = collect(jobs)
    const first = jobs.start({ kind: 'counter', params: { steps: 2, delayMs: 5 } })
    const second = jobs.start({ kind: 'counter', params: { steps: 1 } })
    expect(jobs.get(first.id).status).toBe('running')
    expect(jobs.get(second.id).status).toBe('queued')
    await jobs.idle()
    const order = events.flatMap((e) => (e.type === 'job.state' && e.job.status !== 'queued' ? [`${e.job.id === first.id ? 'first' : 'second'}:${e.job.status}`] : []))
    expect(order).toEqual(['first:running', 'first:completed', 'second:running', 'second:completed'])
    expect(jobs.list().map((job) => job.id)).toEqual([first.id, second.id])
  })

  it('cancels a running job cooperatively and a queued one at once', async () => {
    const jobs = manager()
    const running = jobs.start({ kind: 'counter', params: { steps: 1000, delayMs: 2 } })
    const queued = jobs.start({ kind: 'counter', params: { steps: 1 } })
    expect(jobs.cancel(queued.id).status).toBe('cancelled')
    await new Promise((resolve) => setTimeout(resolve, 30))
    jobs.cancel(running.id)
    await jobs.idle()
    const state = jobs.get(running.id)
    expect(state.status).toBe('cancelled')
    expect(state.progress!.step).toBeGreaterThan(0)
    expect(state.progress!.step).toBeLessThan(1000)
    expect(state.logs.some((l) => l.message === 'cancel requested')).toBe(true)
    expect(jobs.get(queued.id).error).toBe('cancelled before it started')
  })

  it('records a failure with its message and goes on with the queue', async () => {
    const jobs = manager()
    const bad = jobs.start({ kind: 'failing' })
    const good = jobs.start({ kind: 'counter' })
    await jobs.idle()
    expect(jobs.get(bad.id)).toMatchObject({ status: 'failed', error: 'the data file is corrupt', result: null })
    expect(jobs.get(good.id).status).toBe('completed')
    expect(() => jobs.get('job-missing')).toThrow("no job with id 'job-missing'")
  })

  it('keeps a bounded history of ended jobs', async () => {
    const jobs = new JobManager([counter], { workspaceDir: '/tmp/unused', historyLimit: 2 })
    for (let i = 0; i < 4; i++) {
      jobs.start({ kind: 'counter', params: { steps: 1 } })
      await jobs.idle()
    }
    // Pruned when a job starts: the two most recent ended jobs stay, plus the one just started.
    expect(jobs.list().length).toBe(3)
  })
})

describe('matmul-benchmark job', () => {
  beforeAll(async () => {
    await initBackend()
  })
  afterAll(() => tf.disposeVariables())

  it('measures GFLOP/s per size on the active backend without leaking tensors', async () => {
    const jobs = new JobManager(BUILTIN_JOB_KINDS, { workspaceDir: '/tmp/unused', progressIntervalMs: 0 })
    const events = collect(jobs)
    const before = tf.memory().numTensors
    const job = jobs.start({ kind: 'matmul-benchmark', params: { sizes: [64, 128], repeats: 3 } })
    await jobs.idle()
    const done = jobs.get(job.id)
    expect(done.status).toBe('completed')
    const result = done.result as { backend: string; rows: { size: number; repeats: number; medianMs: number; medianGflops: number; bestGflops: number }[] }
    expect(result.backend).toBe(tf.getBackend())
    expect(result.rows.map((row) => row.size)).toEqual([64, 128])
    for (const row of result.rows) {
      expect(row.medianMs).toBeGreaterThan(0)
      // GFLOP/s is 2n³ / time: check the arithmetic against the reported time.
      expect(row.medianGflops).toBeCloseTo((2 * row.size ** 3) / (row.medianMs * 1e6), 6)
      expect(row.bestGflops).toBeGreaterThanOrEqual(row.medianGflops)
    }
    const progress = events.flatMap((e) => (e.type === 'job.progress' ? [e.progress] : []))
    expect(progress.length).toBe(6)
    expect(progress.every((p) => p.metrics.gflops > 0 && (p.metrics.size === 64 || p.metrics.size === 128))).toBe(true)
    expect(tf.memory().numTensors).toBe(before)
  })

  it('rejects sizes out of range', () => {
    const jobs = new JobManager(BUILTIN_JOB_KINDS, { workspaceDir: '/tmp/unused' })
    expect(() => jobs.start({ kind: 'matmul-benchmark', params: { sizes: [8] } })).toThrow(/params\.sizes\.0: Too small: expected number to be >=16 \(found: 8\)/)
    expect(() => jobs.start({ kind: 'matmul-benchmark', params: { repeats: 'ten' } })).toThrow(/params\.repeats/)
  })
})
