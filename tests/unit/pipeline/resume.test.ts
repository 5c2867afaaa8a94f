/**
 * A stage killed with SIGKILL mid-run resumes from its last checkpoint and finishes with the same step
 * count and the same loss curve as a run that was never interrupted (dropout 0, so every step is
 * deterministic: seeded init, seeded data order, restored optimizer moments and RNG).
 */
import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(__dirname, '../../..')
const CLI = join(ROOT, 'bin/tagi.mjs')
const SAMPLE = resolve(ROOT, '../shared/data/sni/sample')

const params = JSON.stringify({
  vocabSize: 300,
  maxTokens: 32,
  dropout: 0,
  instancesPerTask: 20,
  training: { steps: 60, batchSize: 4, learningRate: 0.002, warmupFraction: 0, decay: 'constant', checkpointEvery: 5, seed: 7 },
})
const args = (workspace: string, extra: string[] = []) => [CLI, 'train', 'backbone', '--dataset', SAMPLE, '--params', params, '--workspace', workspace, '--quiet', ...extra]

function metrics(runDir: string): { step: number; loss: number }[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { step: number; loss: number })
}

function runToEnd(workspace: string, extra: string[] = []): { runId: string; summary: { steps: number } } {
  const result = spawnSync(process.execPath, args(workspace, extra), { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  if (result.status !== 0) throw new Error(`tagi train failed (${result.status}): ${result.stderr.slice(-400)}`)
  return JSON.parse(result.stdout) as { runId: string; summary: { steps: number } }
}

describe('a stage killed with SIGKILL', () => {
  it('resumes from its last checkpoint and continues the loss curve exactly', async () => {
    const reference = mkdtempSync(join(tmpdir(), 'resume-ref-'))
    const straight = runToEnd(reference)
    expect(straight.summary.steps).toBe(60)
    const referenceCurve = metrics(join(reference, 'runs', straight.runId))
    expect(referenceCurve.map((m) => m.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))

    const workspace = mkdtempSync(join(tmpdir(), 'resume-kill-'))
    const child = spawn(process.execPath, args(workspace), { cwd: ROOT, stdio: 'ignore' })
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)))
    // Wait for a checkpoint at step ≥ 10, then kill without warning.
    let runDir = ''
    let killedAt = 0
    for (const started = Date.now(); Date.now() - started < 90_000; await new Promise((r) => setTimeout(r, 15))) {
      const runs = existsSync(join(workspace, 'runs')) ? readdirSync(join(workspace, 'runs')) : []
      if (runs.length === 0) continue
      runDir = join(workspace, 'runs', runs[0]!)
      const index = join(runDir, 'checkpoint', 'checkpoint.json')
      if (!existsSync(index)) continue
      killedAt = (JSON.parse(readFileSync(index, 'utf8')) as { state: { step: number } }).state.step
      if (killedAt >= 10) {
        child.kill('SIGKILL')
        break
      }
    }
    expect(await exited).toBe('SIGKILL')
    expect(killedAt).toBeGreaterThanOrEqual(10)
    expect(killedAt).toBeLessThan(60)
    const runId = runDir.split('/').at(-1)!
    expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status).toBe('running')

    const resumed = runToEnd(workspace, ['--resume', runId])
    expect(resumed.runId).toBe(runId)
    expect(resumed.summary.steps).toBe(60)
    const curve = metrics(runDir)
    // Every step exactly once, and the same losses as the uninterrupted run, before and after the kill.
    expect(curve.map((m) => m.step)).toEqual(referenceCurve.map((m) => m.step))
    curve.forEach((m, i) => expect(m.loss).toBeCloseTo(referenceCurve[i]!.loss, 4))
    expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status).toBe('completed')
  }, 240_000)

  it('refuses to resume with different settings, naming what differs', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'resume-cfg-'))
    const first = runToEnd(workspace)
    const other = JSON.stringify({ ...JSON.parse(params), vocabSize: 301 })
    const result = spawnSync(process.execPath, [CLI, 'train', 'backbone', '--dataset', SAMPLE, '--params', other, '--workspace', workspace, '--quiet', '--resume', first.runId], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/another config \(differs in: vocabSize\)/)
  }, 120_000)
})
