/**
 * A short TAGI pipeline end to end on ../shared/data/sni/sample (real SNI task files): every stage runs
 * for a few steps, the comparison has a row per method with scores and costs, every stage left a run
 * with its config and parents, and the hypernetwork run turns an instruction into a PEFT adapter.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { initBackend } from '../../../src-main/engine/backend/index.ts'
import type { JobContext } from '../../../src-main/engine/jobs/job-kind.ts'
import { PeftAdapter } from '../../../src-main/engine/models/lora/index.ts'
import { PipelineParams, RESULTS_FILE, runPipeline, type PipelineResult } from '../../../src-main/engine/stages/index.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'

const ROOT = resolve(__dirname, '../../..')
const SAMPLE = resolve(ROOT, '../shared/data/sni/sample')

const contextFor = (workspaceDir: string): JobContext & { messages: string[] } => {
  const messages: string[] = []
  return {
    messages,
    jobId: 'test',
    signal: new AbortController().signal,
    workspaceDir,
    progress: (u) => void messages.push(u.message ?? ''),
    log: (m) => void messages.push(m),
    yieldAndCheck: async () => {},
  }
}

describe('tagi pipeline on the SNI sample', () => {
  let workspaceDir: string
  let result: PipelineResult
  beforeAll(async () => {
    await initBackend()
    workspaceDir = mkdtempSync(join(tmpdir(), 'pipeline-'))
    const params = PipelineParams.parse({ dataset: SAMPLE, stepScale: 0.01, instancesPerTask: 8, evalInstances: 2, ablations: ['no-pretraining', 'no-fusion', 'no-ce', 'no-kl', 'no-ins'] })
    result = await runPipeline(params, contextFor(workspaceDir))
  }, 600_000)

  it('scores every method on the held-out and the training tasks, with cost relative to the full prompt', () => {
    const methods = result.results.rows.map((r) => r.method)
    expect(methods).toEqual(['backbone', 'metatrain', 'teacher', 'tagi', 'no-pretraining', 'no-fusion', 'no-ce', 'no-kl', 'no-ins'])
    for (const row of result.results.rows) {
      if (row.method !== 'teacher') {
        // SNI's test categories are disjoint from its training ones: only the teacher has no held-out task.
        expect(row.heldOut.rougeL).toBeGreaterThanOrEqual(0)
        expect(row.heldOut.rougeL).toBeLessThanOrEqual(100)
        expect(row.heldOut.tasks).toBe('4/4')
      }
      expect(row.train.tasks).toBe('8/8')
      expect(row.secondsPer100).toBeGreaterThan(0)
    }
    expect(result.results.rows.find((r) => r.method === 'teacher')!.heldOut.tasks).toBe('0/4')
    expect(result.results.rows.find((r) => r.method === 'metatrain')!.relativeTime).toBe(1)
    // FLOPs depend on how long each model's (here untrained) answers are; they are counted for every method.
    for (const row of result.results.rows) if (row.method !== 'teacher') expect(row.relativeFlops!).toBeGreaterThan(0)
    expect(result.table).toMatch(/TAGI \(adapter from the instruction\)/)
  })

  it('leaves one run per stage with its config and parents, and the results file', () => {
    const workspace = new Workspace(workspaceDir)
    const runs = result.results.runs
    expect(Object.keys(runs)).toEqual(
      expect.arrayContaining(['backbone', 'metatrain', 'hyper-pretrain', 'hyper-finetune', 'hyper-finetune:no-kl', 'evaluate']),
    )
    const finetune = workspace.runs.open(runs['hyper-finetune']!)
    expect(finetune.record.status).toBe('completed')
    expect(finetune.record.parents).toMatchObject({ backbone: runs.backbone, pretrained: runs['hyper-pretrain'] })
    expect((finetune.record.parents.teachers as string[]).length).toBe(Object.keys(runs).filter((k) => k.startsWith('teacher:')).length)
    expect(finetune.record.config).toMatchObject({ loss: { labels: true, kl: { weight: 5, temperature: 3 }, ins: { orientation: 'delta' } } })
    // Each ablation changes only its own switch (tagi-method.md §7.4).
    const ablation = (name: string) => workspace.runs.open(runs[`hyper-finetune:${name}`]!)
    expect(ablation('no-kl').record.config).toMatchObject({ loss: { labels: true, kl: null, ins: { orientation: 'delta' } } })
    expect(ablation('no-kl').readMetrics().every((m) => !('kl' in m))).toBe(true)
    expect(ablation('no-ins').record.config).toMatchObject({ loss: { labels: true, kl: { weight: 5 }, ins: null } })
    expect(ablation('no-ce').record.config).toMatchObject({ loss: { labels: false, kl: { weight: 5 }, ins: { orientation: 'delta' } } })
    expect(ablation('no-pretraining').record.parents.pretrained).toBeUndefined()
    expect(ablation('no-fusion').record.parents.pretrained).toBe(runs['hyper-pretrain:no-fusion'])
    expect(workspace.runs.open(runs['hyper-pretrain:no-fusion']!).record.config).toMatchObject({ hyper: { fusion: 'none' } })
    expect(finetune.record.config).toMatchObject({ hyper: { fusion: 'decoder-concat' } })
    expect(finetune.readMetrics().every((m) => typeof m.kl === 'number' && typeof m.ins === 'number' && typeof m.lr === 'number')).toBe(true)
    const pipelineRun = workspace.runs.open(result.runId)
    expect(JSON.parse(readFileSync(pipelineRun.path(RESULTS_FILE), 'utf8')).rows).toHaveLength(9)
  })

  it('resumes with its own settings, reusing every finished stage', async () => {
    const again = await runPipeline(PipelineParams.parse({ resume: result.runId }), contextFor(workspaceDir))
    expect(again.runId).toBe(result.runId)
    const { evaluate: _old, ...trained } = result.results.runs
    const { evaluate: _new, ...reused } = again.results.runs
    expect(reused).toEqual(trained)
    expect(again.results.rows.map((r) => r.method)).toEqual(result.results.rows.map((r) => r.method))
  }, 300_000)

  it('generates a PEFT adapter from an instruction with the hypernetwork run', () => {
    const out = join(workspaceDir, 'generated')
    const cli = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/tagi.mjs'), 'adapter', 'generate', '--hyper', result.results.runs['hyper-finetune']!, '--instruction', 'Write the input in capital letters', '--out', out, '--workspace', workspaceDir, '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    )
    expect(cli.status, cli.stderr.slice(-300)).toBe(0)
    expect(JSON.parse(cli.stdout)).toMatchObject({ modules: 12, rank: 4, instructionMemory: 'instruction_memory.safetensors' })
    const adapter = PeftAdapter.load(out)
    expect(adapter.modules.get('encoder.block.0.layer.0.SelfAttention.q')!.A.shape).toEqual([4, 64])
    expect(adapter.modules.get('decoder.block.1.layer.1.EncDecAttention.v')!.B.shape).toEqual([64, 4])
    expect(adapter.scale).toBe(1)
    expect(existsSync(join(out, 'instruction_memory.safetensors'))).toBe(true)
    adapter.dispose()
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin/tagi.mjs'), 'adapter', 'generate', '--hyper', result.results.runs.backbone!, '--instruction', 'x', '--out', out, '--workspace', workspaceDir], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(bad.stderr).toMatch(/is a 'backbone' run, not a hypernetwork run/)
  })
})
