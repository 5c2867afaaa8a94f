// The Adapters domain against an in-process engine host, on a tiny pipeline trained on the SNI sample: the
// adapter list (teachers, generations, saved folders), comparisons and nearest-teacher rankings checked
// against the engine's analysis called directly, refs of every kind, and typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareAdapters, loadAdapterDir, rankNearest } from '../../../src-main/engine/analysis/index.ts'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { PeftAdapter } from '../../../src-main/engine/models/lora/index.ts'
import { ADAPTER_DIR } from '../../../src-main/engine/stages/index.ts'
import { loadRunModel } from '../../../src-main/engine/stages/common.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import type { AdapterComparisonResult, AdapterList, GenerationResult, NearestAdaptersResult } from '../../../src-main/contract/index.ts'
import type { EngineHost } from '../../../src-main/host/index.ts'
import { runTinyPipeline } from '../../e2e/helpers/tiny-pipeline.ts'
import { inProcessHost, studioClient } from './helpers.ts'

const workspace = mkdtempSync(join(tmpdir(), 'tagi-adapters-'))
let host: EngineHost
let runs: Record<string, string>
let teacherIds: string[]

const { call, failure } = studioClient(() => host)
const teacherDir = (id: string) => join(workspace, 'runs', id, ADAPTER_DIR)

beforeAll(async () => {
  await initBackend()
  // The fewest steps the pipeline takes: these tests look at adapter geometry, not at answer quality.
  runs = (await runTinyPipeline(workspace, { stepScale: 0.01 })).results.runs
  teacherIds = Object.entries(runs).filter(([key]) => key.startsWith('teacher:')).map(([, id]) => id)
  host = inProcessHost(workspace)
}, 180_000)
afterAll(async () => {
  await host?.dispose()
  rmSync(workspace, { recursive: true, force: true })
})

describe('adapters service', () => {
  let generation: GenerationResult
  it('lists teacher LoRAs, Playground generations and saved generated adapters', async () => {
    const before = await call<AdapterList>('adapters.list')
    expect(before.teachers.map((t) => t.ref)).toEqual(expect.arrayContaining(teacherIds.map((run) => ({ kind: 'teacher', run }))))
    expect(before.teachers).toHaveLength(teacherIds.length)
    expect(before.teachers.map((t) => t.name)).toContain('Question Answering')
    expect(before.teachers[0]).toMatchObject({ rank: 4, backbone: runs.backbone })
    expect(before.generations).toEqual([])
    expect(before.saved).toEqual([])
    expect(before.savedDir).toBe(join(workspace, 'adapters'))

    generation = await call<GenerationResult>('playground.generate', { hyper: runs['hyper-finetune'], instruction: { definition: 'Answer the question.', examples: [] } })
    await call('playground.export', { generation: generation.id, out: generation.suggestedExportDir })
    const after = await call<AdapterList>('adapters.list')
    expect(after.generations.map((g) => g.ref)).toEqual([{ kind: 'generation', id: generation.id }])
    expect(after.generations[0]).toMatchObject({ name: 'Answer the question.', hyper: runs['hyper-finetune'], dir: generation.suggestedExportDir })
    expect(after.saved.map((s) => s.ref)).toEqual([{ kind: 'folder', path: generation.suggestedExportDir }])
    expect(after.saved[0]).toMatchObject({ name: 'Answer the question.', hyper: runs['hyper-finetune'], rank: 4 })
  })

  it('compares two adapters exactly as the engine analysis does, with a heatmap grid and spectra', async () => {
    const [first, second] = teacherIds as [string, string]
    const result = await call<AdapterComparisonResult>('adapters.compare', { a: { kind: 'folder', path: generation.suggestedExportDir }, b: { kind: 'teacher', run: first } })
    const direct = compareAdapters(loadAdapterDir(generation.suggestedExportDir), loadAdapterDir(teacherDir(first)))
    expect(result.summary.meanCosine).toBeCloseTo(direct.summary.meanCosine!, 12)
    expect(result.summary.normRatio).toBeCloseTo(direct.summary.normRatio!, 12)
    expect(result.modules.map((m) => m.id)).toEqual(direct.modules.map((m) => m.id))
    expect(result.grid.columns).toEqual(['q', 'v'])
    expect(result.grid.rows.map((r) => r.label)).toEqual(['encoder-self 0', 'encoder-self 1', 'decoder-self 0', 'decoder-self 1', 'decoder-cross 0', 'decoder-cross 1'])
    expect(result.grid.values.cosine[0]![0]).toBeCloseTo(direct.grid.values.cosine[0]![0]!, 12)
    expect(result.modules[0]!.spectrumA).toHaveLength(4)
    expect(result.a).toMatchObject({ name: 'Answer the question.', hyper: runs['hyper-finetune'] })
    expect(result.b).toMatchObject({ ref: { kind: 'teacher', run: first } })

    // The in-memory generation and its exported folder are the same adapter.
    const self = await call<AdapterComparisonResult>('adapters.compare', { a: { kind: 'generation', id: generation.id }, b: { kind: 'folder', path: generation.suggestedExportDir } })
    expect(self.summary.meanCosine).toBeCloseTo(1, 6)
    const teachers = await call<AdapterComparisonResult>('adapters.compare', { a: { kind: 'teacher', run: first }, b: { kind: 'teacher', run: second } })
    expect(teachers.summary.meanCosine).toBeCloseTo(compareAdapters(loadAdapterDir(teacherDir(first)), loadAdapterDir(teacherDir(second))).summary.meanCosine!, 12)
  })

  it("ranks the nearest teachers: by default those of the target's hypernetwork", async () => {
    const result = await call<NearestAdaptersResult>('adapters.nearest', { target: { kind: 'generation', id: generation.id } })
    expect(result.candidatesFrom).toBe(`the ${teacherIds.length} teachers of hypernetwork ${runs['hyper-finetune']}`)
    const direct = rankNearest(loadAdapterDir(generation.suggestedExportDir), teacherIds.map((id) => ({ name: id, adapter: loadAdapterDir(teacherDir(id)) })))
    expect(result.ranking.map((r) => (r.entry.ref as { run: string }).run)).toEqual(direct.ranking.map((r) => r.name))
    expect(result.ranking[0]!.meanCosine).toBeCloseTo(direct.ranking[0]!.meanCosine!, 12)
    expect(result.ranking.map((r) => r.rank)).toEqual(teacherIds.map((_, i) => i + 1))
    // A teacher as the target: every teacher run but itself, ranked by the chosen metric.
    const [first] = teacherIds as [string]
    const byGlobal = await call<NearestAdaptersResult>('adapters.nearest', { target: { kind: 'teacher', run: first }, metric: 'globalCosine' })
    expect(byGlobal.metric).toBe('globalCosine')
    expect(byGlobal.ranking).toHaveLength(teacherIds.length - 1)
    expect(byGlobal.ranking.some((r) => r.entry.ref.kind === 'teacher' && r.entry.ref.run === first)).toBe(false)
    const globals = byGlobal.ranking.map((r) => r.globalCosine!)
    expect([...globals].sort((a, b) => b - a)).toEqual(globals)
    const chosen = await call<NearestAdaptersResult>('adapters.nearest', { target: { kind: 'teacher', run: first }, candidates: [{ kind: 'generation', id: generation.id }] })
    expect(chosen.ranking.map((r) => r.entry.ref)).toEqual([{ kind: 'generation', id: generation.id }])
  })

  it('compares adapters of other target modules only on request, listing what differs', async () => {
    const { model } = await loadRunModel(new Workspace(workspace), runs.backbone!, ['backbone'])
    const init = PeftAdapter.init(model.config, { r: 2, alpha: 4, targets: ['q'], seed: 7 })
    const modules = new Map([...init.modules].map(([id, { A, B }]) => [id, { A: tf.clone(A), B: tf.randomNormal(B.shape, 0, 0.1, 'float32', 3) as tf.Tensor2D }]))
    const qOnly = new PeftAdapter(init.config, modules)
    const dir = join(workspace, 'q-only')
    qOnly.save(dir)
    init.dispose()
    qOnly.dispose()
    model.dispose()
    const refused = await failure('adapters.compare', { a: { kind: 'teacher', run: teacherIds[0] }, b: { kind: 'folder', path: 'q-only' } })
    expect(refused.message).toMatch(/module '.*\.v' is in adapter A but not in adapter B/)
    const shared = await call<AdapterComparisonResult>('adapters.compare', { a: { kind: 'teacher', run: teacherIds[0] }, b: { kind: 'folder', path: 'q-only' }, modules: 'shared' })
    expect(shared.modules.every((m) => m.target === 'q')).toBe(true)
    expect(shared.onlyInA).toHaveLength(6)
    expect(shared.modules[0]).toMatchObject({ rankA: 4, rankB: 2 })
  })

  it('answers bad refs with errors that name the problem', async () => {
    expect(await failure('adapters.compare', { a: { kind: 'folder', path: '/no/such/adapter' }, b: { kind: 'teacher', run: teacherIds[0] } })).toMatchObject({
      code: 'not-found',
      message: "'/no/such/adapter' is not a PEFT adapter folder (it has no adapter_config.json)",
    })
    expect(await failure('adapters.compare', { a: { kind: 'teacher', run: runs.backbone }, b: { kind: 'teacher', run: teacherIds[0] } })).toMatchObject({
      code: 'invalid-params',
      message: `run ${runs.backbone} is a 'backbone' run, not a teacher run`,
    })
    expect((await failure('adapters.compare', { a: { kind: 'teacher', run: 'run-nope' }, b: { kind: 'teacher', run: teacherIds[0] } })).code).toBe('not-found')
    expect((await failure('adapters.nearest', { target: { kind: 'generation', id: 'gen-nope' } })).code).toBe('not-found')
    expect((await failure('adapters.compare', { a: { kind: 'model', path: 'x' }, b: { kind: 'teacher', run: teacherIds[0] } })).message).toContain('params.a.kind')
  })
})
