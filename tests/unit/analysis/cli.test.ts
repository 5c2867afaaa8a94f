/** `tagi adapter compare` and `tagi adapter nearest` end to end, as a user runs them (child processes). */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { PeftAdapter } from '../../../src-main/engine/models/lora/index.ts'
import { t5ConfigFromHf, type T5Config } from '../../../src-main/engine/models/t5/config.ts'
import type { AdapterComparison, NearestResult } from '../../../src-main/engine/analysis/index.ts'

const REPO = resolve(__dirname, '../../..')
const FIXTURE = resolve(REPO, '../shared/fixtures/t5/tiny-v1_1-lora')
const root = mkdtempSync(join(tmpdir(), 'tagi-adapter-analysis-'))

function tagi(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO, 'bin/tagi.mjs'), ...args], { cwd: REPO, encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Save an adapter like `base` (or random when base is absent) with B replaced by base.B + noise·N(0, 1). */
function saveAdapter(dir: string, config: T5Config, seed: number, base?: PeftAdapter, noise = 1): void {
  const adapter = PeftAdapter.init(config, { r: 4, alpha: 8, seed })
  let i = 0
  for (const [id, m] of adapter.modules) {
    const source = base?.modules.get(id)
    const fresh = tf.randomNormal(m.B.shape, 0, noise, 'float32', seed * 7919 + i++) as tf.Tensor2D
    m.B.dispose()
    if (source) {
      m.A.dispose()
      m.A = tf.clone(source.A)
      m.B = tf.add(source.B, fresh)
      fresh.dispose()
    } else {
      m.B = fresh
    }
  }
  adapter.save(dir)
  adapter.dispose()
}

beforeAll(async () => {
  await initBackend()
  const config = t5ConfigFromHf(JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>)
  const teacher = PeftAdapter.load(FIXTURE)
  saveAdapter(join(root, 'random'), config, 1)
  saveAdapter(join(root, 'generated'), config, 2, teacher, 0.1) // the teacher plus noise: what a good generator gives
  mkdirSync(join(root, 'teachers', 'task-fixture'), { recursive: true })
  for (const file of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(FIXTURE, file), join(root, 'teachers', 'task-fixture', file))
  saveAdapter(join(root, 'teachers', 'task-a'), config, 3)
  saveAdapter(join(root, 'teachers', 'task-b'), config, 4)
  saveAdapter(join(root, 'wide'), { ...config, dModel: 40 }, 5)
  teacher.dispose()
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('tagi adapter compare', () => {
  it('prints cosine 1 and ratio 1 for the fixture adapter against itself, as JSON with a grid', () => {
    const { status, stdout, stderr } = tagi('adapter', 'compare', FIXTURE, FIXTURE, '--json')
    expect(stderr).not.toContain('tagi: error')
    expect(status).toBe(0)
    const result = JSON.parse(stdout) as AdapterComparison
    expect(result.modules).toHaveLength(16)
    for (const m of result.modules) {
      expect(m.cosine).toBeCloseTo(1, 10)
      expect(m.normRatio).toBeCloseTo(1, 12)
    }
    expect(result.summary.meanCosine).toBeCloseTo(1, 10)
    expect(result.grid.columns).toEqual(['q', 'v'])
    expect(result.grid.values.cosine).toHaveLength(8)
  })

  it('prints a module table and a summary near cosine 0 for the fixture against a random adapter', () => {
    const { status, stdout } = tagi('adapter', 'compare', FIXTURE, join(root, 'random'))
    expect(status).toBe(0)
    expect(stdout).toMatch(/^module\s+rank A\/B\s+cosine/m)
    expect(stdout).toMatch(/^decoder-cross 2 v\s+4\/4\s+-?0\.\d{4}/m)
    const mean = Number(/^mean cosine\s+(-?[\d.]+)/m.exec(stdout)![1])
    expect(Math.abs(mean)).toBeLessThan(0.1)
  })

  it('fails naming the module and the shapes for adapters of different architectures', () => {
    const { status, stderr } = tagi('adapter', 'compare', FIXTURE, join(root, 'wide'))
    expect(status).toBe(1)
    expect(stderr).toMatch(/tagi: error: module 'encoder\.block\.0\.layer\.0\.SelfAttention\.q': ΔW shapes differ, \[32, 32\].*vs \[32, 40\]/)
  })
})

describe('tagi adapter nearest', () => {
  it('ranks the teacher the generated adapter came from first, from a folder of teachers', () => {
    const { status, stdout } = tagi('adapter', 'nearest', join(root, 'generated'), join(root, 'teachers'), join(root, 'random'), '--json')
    expect(status).toBe(0)
    const result = JSON.parse(stdout) as NearestResult
    expect(result.metric).toBe('meanCosine')
    expect(result.ranking.map((e) => e.name).sort()).toEqual(['random', 'task-a', 'task-b', 'task-fixture'])
    expect(result.ranking[0]).toMatchObject({ rank: 1, name: 'task-fixture' })
    expect(result.ranking[0]!.meanCosine!).toBeGreaterThan(0.9)
    expect(Math.abs(result.ranking[1]!.meanCosine!)).toBeLessThan(0.1)
  })

  it('prints a table sorted by the chosen metric, and rejects an unknown one', () => {
    const { status, stdout } = tagi('adapter', 'nearest', join(root, 'generated'), join(root, 'teachers'), '--metric', 'weightedCosine')
    expect(status).toBe(0)
    expect(stdout).toContain('sorted by weightedCosine, nearest first')
    expect(stdout).toMatch(/^1\s+task-fixture\s+0\.9\d{3}/m)
    const bad = tagi('adapter', 'nearest', join(root, 'generated'), join(root, 'teachers'), '--metric', 'median')
    expect(bad.status).not.toBe(0)
    expect(bad.stderr).toMatch(/--metric.*median.*meanCosine/)
  })
})
