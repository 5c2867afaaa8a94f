/** `tagi rouge` and `tagi eval` end to end, as a user runs them (a child process on bin/tagi.mjs). */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src-main/engine/backend/index.ts'
import { corpusFromTasks } from '../../../src-main/engine/data/pretraining.ts'
import { loadDataset } from '../../../src-main/engine/data/sni/loader.ts'
import { T5Model, t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { PeftAdapter } from '../../../src-main/engine/models/lora/index.ts'
import { trainTokenizer } from '../../../src-main/engine/tokenizers/index.ts'

const REPO = resolve(__dirname, '../../..')
const SAMPLE = resolve(REPO, '../shared/data/sni/sample')
const ROUGE_CASES = resolve(REPO, '../shared/fixtures/rouge/cases.json')
const root = mkdtempSync(join(tmpdir(), 'tagi-eval-cli-'))

function tagi(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO, 'bin/tagi.mjs'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, TAGI_WORKSPACE: join(root, 'ws') } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

beforeAll(async () => {
  // A tiny random T5 and a tokenizer trained on the sample tasks, saved as a Hugging Face folder.
  await initBackend()
  const dataset = await loadDataset(SAMPLE)
  const tokenizer = trainTokenizer(corpusFromTasks(dataset.tasks), { vocabSize: 400 })
  const model = T5Model.init(t5Preset('tiny', tokenizer.vocabSize), 3)
  model.save(join(root, 'model'))
  tokenizer.save(join(root, 'model', 'tokenizer.json'))
  const adapter = PeftAdapter.init(model.config, { r: 4, alpha: 8, seed: 5 })
  adapter.save(join(root, 'adapter'))
  adapter.dispose()
  model.dispose()
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('tagi rouge', () => {
  it('prints per-case ROUGE-L and the mean × 100 for a JSON list', () => {
    const fixture = JSON.parse(readFileSync(ROUGE_CASES, 'utf8')) as { cases: { prediction: string; references: string[]; rougeL: number }[]; mean_rougeL_x100: number }
    const file = join(root, 'cases.json')
    writeFileSync(file, JSON.stringify(fixture.cases.map(({ prediction, references }) => ({ prediction, references }))))
    const { status, stdout } = tagi('rouge', file)
    expect(status).toBe(0)
    const out = JSON.parse(stdout) as { cases: { rougeL: number }[]; mean_rougeL_x100: number }
    expect(out.cases).toHaveLength(fixture.cases.length)
    out.cases.forEach((c, i) => expect(Math.abs(c.rougeL - fixture.cases[i]!.rougeL)).toBeLessThanOrEqual(1e-9))
    expect(Math.abs(out.mean_rougeL_x100 - fixture.mean_rougeL_x100)).toBeLessThanOrEqual(1e-9)
  })

  it('names the entry and key of a malformed file', () => {
    const file = join(root, 'bad.json')
    writeFileSync(file, JSON.stringify([{ prediction: 'a', references: ['a'] }, { prediction: 'b', references: 'b' }]))
    const { status, stderr } = tagi('rouge', file)
    expect(status).toBe(1)
    expect(stderr).toContain("tagi: error: ")
    expect(stderr).toContain("entry 1: key 'references': expected a list of strings, found a string")
  })
})

describe('tagi eval', () => {
  it('evaluates the SNI sample test tasks and writes the eval run and its tables', () => {
    const report = join(root, 'report.json')
    const { status, stdout, stderr } = tagi(
      'eval', '--model', join(root, 'model'), '--adapter', join(root, 'adapter'), '--tasks', SAMPLE,
      '--instances', '3', '--max-new-tokens', '4', '--setting', 'def+2pos', '--json', report,
    )
    expect(stderr).toMatch(/\[4\/4\] task\w+: rougeL \d+\.\d\d, EM \d+\.\d\d/)
    expect(status).toBe(0)
    expect(stdout).toMatch(/^task\s+category\s+n\s+rougeL\s+EM\s+wall s\s+GFLOPs$/m)
    expect(stdout).toMatch(/^category\s+tasks\s+n\s+rougeL\s+EM$/m)
    expect(stdout).toMatch(/^overall\s+4 task\(s\)\s+12\s+\d+\.\d\d\s+\d+\.\d\d\s/m)
    const runs = readdirSync(join(root, 'ws', 'runs'))
    expect(runs).toHaveLength(1)
    const runDir = join(root, 'ws', 'runs', runs[0]!)
    expect(readdirSync(runDir).sort()).toEqual(['metrics.jsonl', 'per_category.csv', 'predictions.jsonl', 'run.json', 'scores.csv', 'scores.json'])
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'))
    expect(record).toMatchObject({ stage: 'eval', status: 'completed', config: { setting: 'def+2pos', input: 'full-prompt', split: 'test', instancesPerTask: 3 } })
    expect(record.config.adapter).toBe(join(root, 'adapter'))
    expect(readFileSync(join(runDir, 'predictions.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12)
    const json = JSON.parse(readFileSync(report, 'utf8'))
    expect(json.runId).toBe(runs[0])
    expect(json.perTask).toHaveLength(4)
    expect(json.overall.flops).toBeGreaterThan(0)
  })

  it('rejects unknown option values with a clear error', () => {
    const bad = tagi('eval', '--model', join(root, 'model'), '--tasks', SAMPLE, '--input', 'prompt')
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain("tagi: error: --input expects one of full-prompt, instance, got 'prompt'")
    const count = tagi('eval', '--model', join(root, 'model'), '--tasks', SAMPLE, '--instances', '0')
    expect(count.stderr).toContain("--instances expects a positive integer, got '0'")
  })
})
