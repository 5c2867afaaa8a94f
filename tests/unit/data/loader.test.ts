// The SNI loader: every layout of sni/layout.ts, and bad files reported (with the key at fault) instead of crashing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadDataset, tasksByPrimaryCategory, tasksOf } from '../../../src-main/engine/data/sni/loader.ts'

const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')
const temp = mkdtempSync(join(tmpdir(), 'tagi-loader-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

function task(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Task: name,
    Categories: ['Misc.'],
    Input_language: ['English'],
    Output_language: ['English'],
    Definition: [`Definition of ${name}`],
    'Positive Examples': [{ input: 'x', output: 'y', explanation: 'z' }],
    'Negative Examples': [],
    Instances: Array.from({ length: 5 }, (_, i) => ({ id: `${name}-${i}`, input: `in ${i}`, output: [`out ${i}`] })),
    SomeUnknownKey: { ignored: true },
    ...extra,
  }
}

function folder(name: string, files: Record<string, string | object>): string {
  const dir = join(temp, name)
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true })
    writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content))
  }
  return dir
}

describe('loadDataset', () => {
  it('reads the shared sample as train/test split folders with categories', async () => {
    const progress: [number, number, string][] = []
    const dataset = await loadDataset(SAMPLE, { onProgress: (done, total, file) => progress.push([done, total, file]) })
    expect(dataset.layout).toBe('split-folders')
    expect(dataset.tasks).toHaveLength(12)
    expect(dataset.splits!.train).toHaveLength(8)
    expect(dataset.splits!.test).toHaveLength(4)
    expect(dataset.categories.task033_winogrande_answer_generation).toEqual(['Coreference Resolution'])
    expect(dataset.skipped).toEqual([])
    expect(progress).toHaveLength(12)
    expect(progress.at(-1)!.slice(0, 2)).toEqual([12, 12])
    expect(tasksOf(dataset, 'test').map((t) => t.name)).toContain('task033_winogrande_answer_generation')
    expect([...tasksByPrimaryCategory(tasksOf(dataset, 'all')).values()].flat()).toHaveLength(12)
  })

  it('keeps the first N instances in file order', async () => {
    const dataset = await loadDataset(SAMPLE, { instancesPerTask: 3 })
    const t = dataset.tasks[0]!
    expect(t.instances).toHaveLength(3)
    expect(t.numInstancesTotal).toBeGreaterThan(3)
  })

  it('reports malformed files with their reasons and loads the rest', async () => {
    const dir = folder('bad', {
      'good.json': task('good'),
      'broken.json': '{"Definition": ["x"], "Instances": [',
      'nodef.json': { Instances: [{ input: 'a', output: ['b'] }] },
      'noinst.json': { Definition: ['d'] },
      'emptyinst.json': { Definition: ['d'], Instances: [] },
      'badtype.json': { Definition: 42, Instances: [{ input: 'a', output: ['b'] }] },
      'array.json': [1, 2],
      'emptyout.json': task('emptyout', { Instances: [{ input: 'a', output: [] }, { input: 'b', output: [''] }] }),
      'spanish.json': task('spanish', { Input_language: ['Spanish'] }),
      'someempty.json': task('someempty', { Instances: [{ id: 'k0', input: 'a', output: [] }, { id: 'k1', input: 'b', output: ['c', ''] }] }),
      'zdup.json': task('good'), // sorts after good.json: the first file wins
      'manifest.json': { not: 'a task' },
    })
    const dataset = await loadDataset(dir)
    expect(dataset.layout).toBe('plain')
    expect(dataset.splits).toBeNull()
    expect(dataset.tasks.map((t) => t.name).sort()).toEqual(['good', 'someempty'])
    const reason = (file: string): string => dataset.skipped.find((s) => s.file === file)?.reason ?? '(not skipped)'
    expect(reason('broken.json')).toMatch(/not valid JSON/)
    expect(reason('nodef.json')).toMatch(/missing key 'Definition'/)
    expect(reason('noinst.json')).toMatch(/missing key 'Instances'/)
    expect(reason('emptyinst.json')).toMatch(/'Instances' is empty/)
    expect(reason('badtype.json')).toMatch(/'Definition' must be a list of strings, found number/)
    expect(reason('array.json')).toMatch(/expected a JSON object/)
    expect(reason('emptyout.json')).toMatch(/no valid instance.*empty outputs/)
    expect(reason('spanish.json')).toMatch(/not an English task: 'Input_language' is \["Spanish"\]/)
    expect(reason('zdup.json')).toMatch(/duplicate task name 'good'/)
    expect(dataset.skipped).toHaveLength(9) // manifest.json is metadata, not a task
    expect(dataset.issues.map((i) => i.message)).toEqual([
      "instance 0 (k0): empty outputs (no non-empty reference); instance dropped",
      "instance 1 (k1): 1 empty or non-string reference(s) removed",
    ])
    const kept = dataset.tasks.find((t) => t.name === 'someempty')!
    expect(kept.instances).toEqual([{ id: 'k1', input: 'b', output: ['c'] }])

    const anyLanguage = await loadDataset(dir, { requireEnglish: false })
    expect(anyLanguage.tasks.map((t) => t.name)).toContain('spanish')
  })

  it('reads a natural-instructions clone through splits/default and reports unlisted or missing tasks', async () => {
    const dir = folder('ni', {
      'tasks/task001_a.json': task('task001_a'),
      'tasks/task002_b.json': task('task002_b'),
      'tasks/task003_c.json': task('task003_c'),
      'tasks/README.md': '# not a task',
      'splits/default/train_tasks.txt': 'task001_a\ntask009_missing\n',
      'splits/default/test_tasks.txt': 'task002_b\n',
    })
    const dataset = await loadDataset(dir)
    expect(dataset.layout).toBe('natural-instructions')
    expect(dataset.splits).toEqual({ train: ['task001_a'], test: ['task002_b'] })
    expect(dataset.skipped).toEqual([
      { file: 'tasks/task009_missing.json', reason: 'listed in splits/default/train_tasks.txt but no such file' },
      { file: 'tasks/task003_c.json', reason: 'not in splits/default (train or test)' },
    ])
    await expect(loadDataset(dir, { splitName: 'xyz' })).rejects.toThrow(/no splits\/xyz\/train_tasks.txt/)
  })

  it('takes the task name from the file name when the Task key is absent, and rejects bad options', async () => {
    const { Task: _omit, ...noName } = task('ignored')
    const dir = folder('noname', { 'task777_from_file.json': noName })
    const dataset = await loadDataset(dir)
    expect(dataset.tasks[0]!.name).toBe('task777_from_file')
    await expect(loadDataset(dir, { instancesPerTask: 0 })).rejects.toThrow(/instancesPerTask must be a positive integer/)
    await expect(loadDataset(join(temp, 'nowhere'))).rejects.toThrow(/no such folder/)
    expect(() => tasksOf(dataset, 'train')).toThrow(/no train\/test split/)
  })
})
