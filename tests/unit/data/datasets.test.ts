// Datasets in the workspace: import with provenance, list/open, JSONL export and import (round trip).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exportDatasetJsonl, importDataset, listDatasets, openDataset, readDatasetRecord } from '../../../src-main/engine/data/datasets.ts'
import type { SniTask } from '../../../src-main/engine/data/sni/task.ts'

const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')
const temp = mkdtempSync(join(tmpdir(), 'tagi-datasets-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

/** What a JSONL line carries of a task (SNI metadata such as Source/URL stays in the SNI copies only). */
const essence = (task: SniTask) => ({
  name: task.name,
  definition: task.definition[0],
  categories: task.categories,
  positiveExamples: task.positiveExamples,
  negativeExamples: task.negativeExamples,
  instances: task.instances,
})

describe('workspace datasets', () => {
  const ws = join(temp, 'ws')

  it('imports a folder with provenance and normalised, trimmed task copies', async () => {
    const progress: number[] = []
    const record = await importDataset(ws, SAMPLE, { name: 'sample', instancesPerTask: 10, onProgress: (done) => progress.push(done) })
    expect(record.id).toMatch(/^ds-/)
    expect(record.source).toEqual({ path: SAMPLE, kind: 'sni-folder', layout: 'split-folders' })
    expect(record.settings).toEqual({ instancesPerTask: 10, requireEnglish: true, splitName: 'default' })
    expect(record.counts).toEqual({ tasks: 12, instances: 120, trainTasks: 8, testTasks: 4, skippedFiles: 0, issues: 0 })
    expect(Object.keys(record.categories)).toHaveLength(12)
    expect(progress).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    const dir = join(ws, 'datasets', record.id)
    expect(JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'))).toEqual(record)
    const copy = JSON.parse(readFileSync(join(dir, 'tasks', 'task1146_country_capital.json'), 'utf8'))
    expect(copy.Instances).toHaveLength(10)
    const original = JSON.parse(readFileSync(join(SAMPLE, 'train', 'task1146_country_capital.json'), 'utf8'))
    expect(copy.num_instances_total).toBe(original.num_instances_total) // the source's count, not the kept one
    expect(copy.Source).toBeDefined()
    expect(readdirSync(join(ws, 'datasets')).filter((f) => f.startsWith('.'))).toEqual([])

    const { dataset } = await openDataset(ws, record.id)
    expect(dataset.splits).toEqual(record.splits)
    expect(dataset.tasks.map((t) => t.instances.length)).toEqual(Array(12).fill(10))
    expect(listDatasets(ws).datasets.map((d) => d.id)).toContain(record.id)
  })

  it('round-trips SNI -> JSONL -> dataset -> JSONL without loss', async () => {
    const first = listDatasets(ws).datasets.find((d) => d.name === 'sample')!
    const out1 = join(temp, 'one.jsonl')
    const result = await exportDatasetJsonl(ws, first.id, out1)
    expect(result).toEqual({ lines: 120, tasks: 12, path: out1 })
    const lines = readFileSync(out1, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ task: expect.any(String), definition: expect.any(String), input: expect.any(String), outputs: expect.any(Array) })

    const second = await importDataset(ws, out1, { name: 'again' })
    expect(second.source.kind).toBe('jsonl')
    expect(second.splits).toEqual(first.splits)
    expect(second.categories).toEqual(first.categories)
    const a = (await openDataset(ws, first.id)).dataset.tasks.map(essence)
    const b = (await openDataset(ws, second.id)).dataset.tasks.map(essence)
    expect(b).toEqual(a)

    const out2 = join(temp, 'two.jsonl')
    await exportDatasetJsonl(ws, second.id, out2)
    expect(readFileSync(out2, 'utf8')).toBe(readFileSync(out1, 'utf8'))

    const testOnly = await exportDatasetJsonl(ws, first.id, join(temp, 'test.jsonl'), { split: 'test' })
    expect(testOnly).toMatchObject({ lines: 40, tasks: 4 })
  })

  it('imports JSONL lines grouped into tasks, reporting bad lines by number', async () => {
    const file = join(temp, 'mine.jsonl')
    const good = (task: string, input: string, extra: object = {}) => JSON.stringify({ task, definition: `Do ${task}.`, input, output: input.toUpperCase(), ...extra })
    writeFileSync(
      file,
      [
        good('upper', 'a', { category: 'Case', split: 'train' }),
        good('upper', 'b', { category: 'Case', split: 'train' }),
        '{oops',
        JSON.stringify({ task: 'upper', definition: 'Do upper.', input: 'c' }),
        good('upper', 'd', { split: 'test' }),
        '',
        good('lower', 'x', { outputs: ['x', 'X'], category: ['Case', 'Misc'], split: 'test', id: 'L1' }),
        JSON.stringify({ task: 'lower', definition: 'Something else.', input: 'y', output: 'y', split: 'test' }),
        good('upper', 'e', { split: 'bogus' }),
        good('upper', 'f', { category: 'Case', split: 'train' }),
      ].join('\n') + '\n',
    )
    const record = await importDataset(ws, file, { instancesPerTask: 2 })
    expect(record.counts).toMatchObject({ tasks: 2, instances: 3, trainTasks: 1, testTasks: 1 })
    expect(record.splits).toEqual({ train: ['upper'], test: ['lower'] })
    expect(record.categories).toEqual({ upper: ['Case'], lower: ['Case', 'Misc'] })
    expect(record.skipped[0]).toMatchObject({ file: 'mine.jsonl:3', reason: expect.stringMatching(/^not valid JSON \(/) })
    expect(record.skipped.slice(1).map((s) => `${s.file} ${s.reason}`)).toEqual([
      "mine.jsonl:4 missing key 'output' or 'outputs'",
      "mine.jsonl:5 'split' test differs from train on line 1 of the same task",
      "mine.jsonl:8 'definition' differs from line 7 of the same task",
      'mine.jsonl:9 \'split\' must be "train" or "test", found "bogus"',
    ])
    const { dataset } = await openDataset(ws, record.id)
    const upper = dataset.tasks.find((t) => t.name === 'upper')!
    expect(upper.instances.map((i) => i.input)).toEqual(['a', 'b']) // first 2 valid lines; 'f' is the 3rd
    expect(upper.numInstancesTotal).toBe(3)
    expect(dataset.tasks.find((t) => t.name === 'lower')!.instances).toEqual([{ id: 'L1', input: 'x', output: ['x', 'X'] }])
  })

  it('fails cleanly: nothing usable, unknown ids, damaged records', async () => {
    const before = readdirSync(join(ws, 'datasets')).length
    const empty = join(temp, 'empty.jsonl')
    writeFileSync(empty, '{"task": "t"}\n')
    await expect(importDataset(ws, empty)).rejects.toThrow(/no usable task in .*empty.jsonl \(empty.jsonl:1: missing key 'definition'\)/)
    expect(readdirSync(join(ws, 'datasets'))).toHaveLength(before) // no partial folder left behind
    await expect(importDataset(ws, join(temp, 'nothing-here'))).rejects.toThrow(/no such file or folder/)
    expect(() => readDatasetRecord(ws, 'ds-unknown')).toThrow(/no dataset 'ds-unknown'/)
    expect(() => readDatasetRecord(ws, '../escape')).toThrow(/invalid dataset id/)
    const damagedDir = join(ws, 'datasets', 'ds-damaged')
    mkdirSync(damagedDir)
    writeFileSync(join(damagedDir, 'dataset.json'), '{not json')
    expect(listDatasets(ws).unreadable).toEqual([{ id: 'ds-damaged', error: expect.stringMatching(/dataset.json is not valid JSON/) }])
    expect(existsSync(damagedDir)).toBe(true)
  })
})
