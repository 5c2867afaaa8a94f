// The Runs domain against an in-process engine host on the built-in suite: generated params schemas,
// live incremental metrics of a training job, the job ↔ run link, cancel + resume to a continuous loss
// curve, config diff, provenance both ways, typed errors; plus the metrics reader's edge cases and the
// renderer's pure helpers (debiased EMA, schema-generated form values).
import { afterAll, describe, expect, it } from 'vitest'
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JobKindInfo, JobState, RunDetail, RunDiff, RunList, RunMetrics } from '../../../src-main/contract/index.ts'
import { writeFileAtomic } from '../../../src-main/engine/store/atomic.ts'
import { MetricsReader } from '../../../src-main/host/services/runs/metrics-reader.ts'
import { diffConfigs } from '../../../src-main/host/services/runs/config-diff.ts'
import { jobsByRun } from '../../../src-main/host/services/runs/job-link.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import type { RunRecord } from '../../../src-main/engine/store/run-store.ts'
import { runsApi } from '../../../src-main/contract/index.ts'
import { debiasedEma, seriesStats } from '../../../src-renderer/src/lib/charts/smoothing.ts'
import { formFields, initialValues, paramsToSend } from '../../../src-renderer/src/lib/schema-form.ts'
import { inProcessHost, studioClient, waitFor } from './helpers.ts'

const workspace = mkdtempSync(join(tmpdir(), 'tagi-runs-'))
const host = inProcessHost(workspace)
afterAll(() => host.dispose())

const { call, failure, jobEnded } = studioClient(host)

// Tiny but real: the tiny T5 on the suite, 4 instances a step, a checkpoint every 5 steps.
const training = { steps: 40, batchSize: 4, learningRate: 1e-3, checkpointEvery: 5 }

describe('runs service', () => {
  let backboneId = ''

  it('lists every job kind with its params as JSON Schema, defaults included', async () => {
    const kinds = await call<JobKindInfo[]>('jobs.kinds')
    const backbone = kinds.find((kind) => kind.kind === 'train-backbone')!
    expect(backbone.paramsSchema.type).toBe('object')
    expect(backbone.paramsSchema.properties!.preset).toMatchObject({ type: 'string', enum: ['tiny', 'small'], default: 'tiny' })
    expect(backbone.paramsSchema.properties!.training!.properties!.decay!.default).toBe('constant')
    expect(backbone.paramsSchema.properties!.vocabSize!.maximum).toBeUndefined() // the safe-integer bound is noise
    expect(kinds.find((kind) => kind.kind === 'tagi-pipeline')?.paramsSchema.properties?.ablations?.items?.enum).toContain('no-kl')
  })

  it('streams a training run: the run is linked to its job and its metrics are read incrementally', async () => {
    const job = await call<JobState>('jobs.start', { kind: 'train-backbone', params: { training } })
    const running = await waitFor(async () => (await call<RunList>('runs.list')).runs.find((run) => run.jobId === job.id && run.status === 'running'))
    backboneId = running.id
    expect(running).toMatchObject({ stage: 'backbone', kind: 'train-backbone', resumable: false })
    const first = await waitFor(async () => {
      const m = await call<RunMetrics>('runs.metrics', { id: backboneId })
      return m.rows.length >= 3 && m
    })
    expect(first.keys).toEqual(expect.arrayContaining(['loss', 'ce', 'lr', 'grad_norm']))
    const next = await waitFor(async () => {
      const m = await call<RunMetrics>('runs.metrics', { id: backboneId, since: first.lastStep })
      return m.rows.length > 0 && m
    })
    expect(next.rows[0]!.step).toBe(first.lastStep + 1)
    expect(next.total).toBeGreaterThan(first.total)

    // Cancel mid-way: the trainer checkpoints, and the run can be resumed by its stage kind.
    await waitFor(async () => (await call<JobState>('jobs.get', { id: job.id })).progress!.step >= 8)
    await call('jobs.cancel', { id: job.id })
    expect((await jobEnded(job.id)).status).toBe('cancelled')
    const cancelled = (await call<RunList>('runs.list')).runs.find((run) => run.id === backboneId)!
    expect(cancelled).toMatchObject({ status: 'cancelled', jobId: null, resumable: true })
    expect(cancelled.checkpointStep).toBeGreaterThanOrEqual(8)
    expect(cancelled.checkpointStep).toBeLessThan(40)

    const resumed = await call<JobState>('runs.resume', { id: backboneId })
    expect(resumed.params).toMatchObject({ resume: backboneId, training: { ...training, seed: 42 } })
    expect(await failure('runs.resume', { id: backboneId })).toMatchObject({ code: 'invalid-params', message: expect.stringContaining(`being written by job ${resumed.id}`) })
    expect((await jobEnded(resumed.id)).status).toBe('completed')
    const all = await call<RunMetrics>('runs.metrics', { id: backboneId })
    expect(all.rows.map((row) => row.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect((await call<RunList>('runs.list')).runs.find((run) => run.id === backboneId)).toMatchObject({ status: 'completed', resumable: false, checkpointStep: 40 })
  })

  it('diffs two configs by flattened key path', async () => {
    const job = await call<JobState>('jobs.start', { kind: 'train-backbone', params: { training: { ...training, steps: 2, learningRate: 3e-3 }, maxTokens: 48 } })
    expect((await jobEnded(job.id)).status).toBe('completed')
    const other = (await call<RunList>('runs.list')).runs.find((run) => run.stage === 'backbone' && run.id !== backboneId)!
    const diff = await call<RunDiff>('runs.diff', { a: backboneId, b: other.id })
    const changed = diff.entries.filter((entry) => entry.status === 'changed')
    expect(changed).toEqual([
      { path: 'maxTokens', status: 'changed', a: 64, b: 48 },
      { path: 'training.learningRate', status: 'changed', a: 1e-3, b: 3e-3 },
      { path: 'training.steps', status: 'changed', a: 40, b: 2 },
    ])
    expect(diff.counts).toMatchObject({ changed: 3, added: 0, removed: 0 })
    expect(diff.entries.find((entry) => entry.path === 'training.seed')).toEqual({ path: 'training.seed', status: 'same', a: 42, b: 42 })
  })

  it('resolves provenance both ways: a teacher links its backbone and dataset, the backbone lists the teacher', async () => {
    const job = await call<JobState>('jobs.start', { kind: 'train-teacher', params: { backbone: backboneId, group: 'Case Conversion', training: { ...training, steps: 2 } } })
    const done = await jobEnded(job.id)
    expect(done.error).toBeNull()
    const teacherId = (done.result as { runId: string }).runId
    const teacher = await call<RunDetail>('runs.get', { id: teacherId })
    expect(teacher.provenance).toEqual([
      { role: 'dataset', ref: 'suite', target: { kind: 'suite' } },
      { role: 'backbone', ref: backboneId, target: { kind: 'run', id: backboneId, name: expect.any(String), stage: 'backbone', status: 'completed' } },
    ])
    expect(teacher.files).toEqual(expect.arrayContaining(['adapter', 'checkpoint', 'metrics.jsonl', 'run.json']))
    expect(teacher.config).toMatchObject({ group: 'Case Conversion', rank: 4 })
    const backbone = await call<RunDetail>('runs.get', { id: backboneId })
    expect(backbone.children).toEqual([{ role: 'backbone of', id: teacherId, name: 'teacher Case Conversion', stage: 'teacher', status: 'completed' }])
  })

  it('answers bad requests with errors that name the problem', async () => {
    expect(await failure('runs.get', { id: 'run-nope' })).toMatchObject({ code: 'not-found', message: expect.stringContaining("no run 'run-nope'") })
    expect(await failure('runs.metrics', { id: backboneId, since: -1 })).toMatchObject({ code: 'invalid-params', message: expect.stringContaining('params.since') })
    expect(await failure('runs.diff', { a: backboneId })).toMatchObject({ code: 'invalid-params', message: expect.stringContaining('params.b') })
    expect(await failure('runs.resume', { id: backboneId })).toMatchObject({ code: 'invalid-params', message: expect.stringContaining('already completed') })
    const evalRun = new Workspace(workspace).runs.create({ stage: 'eval', config: {} })
    expect(await failure('runs.resume', { id: evalRun.id })).toMatchObject({
      code: 'invalid-params',
      message: expect.stringMatching(/'eval' run, which cannot be resumed \(resumable stages: backbone, metatrain, teacher, hyper-pretrain, hyper-finetune, pipeline\)/),
    })
  })
})

describe('job ↔ run link', () => {
  const record = (id: string, stage: string, status: RunRecord['status'], createdAt: string, summary: Record<string, unknown> = {}): RunRecord =>
    ({ id, name: id, stage, status, createdAt, updatedAt: createdAt, config: {}, parents: {}, summary })
  const job = (id: string, status: JobState['status'], startedAt: string | null, params: Record<string, unknown> = {}) =>
    ({ id, kind: 'k', title: 't', params, status, createdAt: '2026-01-01T00:00:00.000Z', startedAt, endedAt: null, progress: null, result: null, error: null, logs: [] }) as JobState

  it('gives a running job the runs made since it started, a resumed run and the live stage runs of a pipeline', () => {
    const records = [
      record('old', 'backbone', 'running', '2026-01-01T00:00:00.000Z'), // killed long ago: no job writes it
      record('pipe', 'pipeline', 'running', '2026-01-02T00:00:01.000Z', { runs: { backbone: 'bb', teacher: 'done' } }),
      record('bb', 'backbone', 'cancelled', '2026-01-01T12:00:00.000Z'), // resumed by the pipeline: cancelled until its trainer starts
      record('done', 'teacher', 'completed', '2026-01-02T00:00:02.000Z'),
      record('t2', 'teacher', 'created', '2026-01-02T00:00:03.000Z'),
      record('resumed', 'teacher', 'cancelled', '2026-01-01T00:00:00.000Z'),
    ]
    const owners = jobsByRun(records, [job('j1', 'running', '2026-01-02T00:00:00.000Z'), job('j2', 'queued', null, { resume: 'resumed' }), job('j0', 'completed', '2026-01-01T00:00:00.000Z')])
    expect(Object.fromEntries(owners)).toEqual({ pipe: 'j1', t2: 'j1', resumed: 'j2' })
    records[2]!.status = 'running'
    expect(jobsByRun(records, [job('j1', 'running', '2026-01-02T00:00:00.000Z')]).get('bb')).toBe('j1')
  })
})

describe('runs api', () => {
  it('maps every capability to one runs method', async () => {
    const calls: [string, unknown][] = []
    const api = runsApi(async (method, params) => {
      calls.push([method, params])
      return undefined as never
    })
    await api.listRuns()
    await api.getRun('a')
    await api.runMetrics('a')
    await api.runMetrics('a', 7)
    await api.diffRuns('a', 'b')
    await api.resumeRun('a')
    expect(calls).toEqual([
      ['runs.list', undefined],
      ['runs.get', { id: 'a' }],
      ['runs.metrics', { id: 'a', since: 0 }],
      ['runs.metrics', { id: 'a', since: 7 }],
      ['runs.diff', { a: 'a', b: 'b' }],
      ['runs.resume', { id: 'a' }],
    ])
  })
})

describe('metrics reader', () => {
  it('reads only whole new lines, and re-reads a file that was replaced', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tagi-metrics-')), 'metrics.jsonl')
    const reader = new MetricsReader()
    expect(await reader.read('r', file, 0)).toEqual({ id: 'r', rows: [], keys: [], lastStep: 0, total: 0 })
    writeFileSync(file, '{"time":1,"step":1,"loss":2.5,"note":"x"}\n{"step":2,"loss":2')
    expect((await reader.read('r', file, 0)).rows).toEqual([{ time: 1, step: 1, loss: 2.5 }]) // the torn line waits
    appendFileSync(file, '.25,"kl":0.5}\n{"loss":1}\n')
    const more = await reader.read('r', file, 1)
    expect(more.rows).toEqual([{ step: 2, loss: 2.25, kl: 0.5 }, { step: 3, loss: 1 }]) // no step: its position
    expect(more).toMatchObject({ keys: ['loss', 'kl'], lastStep: 3, total: 3 })
    // A resume rewrites the file atomically (new inode) without the lines after its checkpoint.
    writeFileAtomic(file, '{"step":1,"loss":9}\n{"step":2,"loss":8}\n{"step":3,"loss":7}\n{"step":4,"loss":6}\n')
    expect((await reader.read('r', file, 0)).rows.map((row) => row.loss)).toEqual([9, 8, 7, 6])
  })
})

describe('config diff', () => {
  it('marks added, removed, changed and same keys; arrays and empty objects are leaves', () => {
    const { entries, counts } = diffConfigs({ a: 1, nest: { x: [1, 2], y: {} }, gone: true }, { a: 1, nest: { x: [1, 3], y: { z: 1 } }, extra: null })
    expect(entries).toEqual([
      { path: 'a', status: 'same', a: 1, b: 1 },
      { path: 'extra', status: 'added', b: null },
      { path: 'gone', status: 'removed', a: true },
      { path: 'nest.x', status: 'changed', a: [1, 2], b: [1, 3] },
      { path: 'nest.y', status: 'removed', a: {} },
      { path: 'nest.y.z', status: 'added', b: 1 },
    ])
    expect(counts).toEqual({ changed: 1, added: 2, removed: 2, same: 1 })
  })
})

describe('chart smoothing', () => {
  it('is the debiased EMA of TensorBoard: the first point is kept, gaps pass through', () => {
    expect(debiasedEma([4, 8, null, 2], 0)).toEqual([4, 8, null, 2])
    const smoothed = debiasedEma([4, 8, null, 2], 0.5)
    expect(smoothed[0]).toBeCloseTo(4) // debiasing: (0.5·4)/(1 − 0.5)
    expect(smoothed[1]).toBeCloseTo((0.25 * 4 + 0.5 * 8) / 0.75)
    expect(smoothed[2]).toBeNull()
    expect(smoothed[3]).toBeCloseTo((0.125 * 4 + 0.25 * 8 + 0.5 * 2) / 0.875)
    expect(seriesStats([3, null, 1, 5, 2])).toEqual({ last: 2, min: 1, max: 5, count: 4 })
    expect(seriesStats([null])).toEqual({ last: null, min: null, max: null, count: 0 })
  })
})

describe('schema-generated launch form', () => {
  it('derives fields, defaults (parent defaults first) and sends only what differs from them', async () => {
    const kinds = await call<JobKindInfo[]>('jobs.kinds')
    const schema = kinds.find((kind) => kind.kind === 'hyper-finetune')!.paramsSchema
    const fields = formFields(schema)
    const byKey = Object.fromEntries(fields.map((field) => [field.key, field]))
    expect(byKey.backbone).toMatchObject({ control: 'text', required: true })
    expect(byKey.pretrained).toMatchObject({ control: 'text', nullable: true })
    expect(byKey.hyper!.control).toBe('group')
    const values = initialValues(schema)
    expect(values.hyper).toMatchObject({ rank: 4, encodingDim: 255, fusion: 'decoder-concat' }) // rank from the parent default {rank: 4}
    const hyperFields = Object.fromEntries(byKey.hyper!.children.map((field) => [field.key, field]))
    expect(hyperFields.fusion).toMatchObject({ control: 'select', options: ['decoder-concat', 'encoder-cross-attention', 'none'] })
    expect(paramsToSend(schema, values)).toEqual({})
    ;(values.hyper as Record<string, unknown>).fusion = 'encoder-cross-attention'
    values.backbone = 'run-x'
    const sent = paramsToSend(schema, values)
    expect(sent).toEqual({ backbone: 'run-x', hyper: { ...(values.hyper as object), fusion: 'encoder-cross-attention' } })
  })
})
