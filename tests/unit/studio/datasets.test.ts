// The Datasets domain against an in-process engine host: the dataset-import job (progress, per-file errors,
// cancel, bad params), the built-in suite in one call, list / detail by category / a task's definition,
// examples and paged instances against the source file, the split editor (atomic, provenance kept, read by
// the stages' dataset loader), statistics in words and characters and in a run tokenizer's tokens, JSONL
// export, and typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { DatasetDetail, DatasetList, DatasetStats, DatasetTaskDetail, JobState, StudioEvent, TokenizerSource } from '../../../src-main/contract/index.ts'
import { openDataset } from '../../../src-main/engine/data/index.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import { loadTokenizer } from '../../../src-main/engine/tokenizers/index.ts'
import { inProcessHost, studioClient } from './helpers.ts'

const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')
const SUITE = resolve(__dirname, '../../../resources/instruction-suite')
const TOKENIZER = resolve(__dirname, '../tokenizers/fixtures/t5-unigram/tokenizer.json')

const workspace = mkdtempSync(join(tmpdir(), 'tagi-datasets-'))
const scratch = mkdtempSync(join(tmpdir(), 'tagi-datasets-src-'))
const host = inProcessHost(workspace)
const events: StudioEvent[] = []
host.on((event) => events.push(event))
afterAll(() => host.dispose())

const { call, failure, jobEnded } = studioClient(host)
async function importJob(params: Record<string, unknown>): Promise<JobState> {
  return jobEnded((await call<JobState>('jobs.start', { kind: 'dataset-import', params })).id)
}
const sourceTask = (split: string, name: string) => JSON.parse(readFileSync(join(SAMPLE, split, `${name}.json`), 'utf8'))

let sampleId = ''

describe('dataset-import job', () => {
  beforeAll(async () => {
    await host.ready
  })

  it('imports the SNI sample with streamed progress, one step per file', async () => {
    const job = await importJob({ path: SAMPLE, instancesPerTask: 10 })
    expect(job.status).toBe('completed')
    const record = (job.result as { record: { id: string; counts: { tasks: number; instances: number; trainTasks: number; testTasks: number } } }).record
    expect(record.counts).toMatchObject({ tasks: 12, instances: 120, trainTasks: 8, testTasks: 4 })
    sampleId = record.id
    const progress = events.filter((e) => e.type === 'job.progress' && e.jobId === job.id).map((e) => (e as { progress: { step: number; total: number } }).progress)
    expect(progress.at(-1)).toMatchObject({ step: 12, total: 12 })
    expect(job.progress?.message).toMatch(/\.json$/)
  })

  it('reports every bad file with its reason and keeps the good ones', async () => {
    const folder = join(scratch, 'mixed')
    cpSync(join(SAMPLE, 'train'), folder, { recursive: true })
    writeFileSync(join(folder, 'task900_broken.json'), '{"Definition": ["x"], "Instances": [')
    writeFileSync(join(folder, 'task901_no_instances.json'), JSON.stringify({ Definition: ['Say hi.'], Categories: ['Misc.'] }))
    const job = await importJob({ path: folder, name: 'mixed' })
    expect(job.status).toBe('completed')
    const record = (job.result as { record: { id: string; counts: { tasks: number }; skipped: { file: string; reason: string }[] } }).record
    expect(record.counts.tasks).toBe(8)
    expect(record.skipped.map((s) => s.file).sort()).toEqual(['task900_broken.json', 'task901_no_instances.json'])
    expect(record.skipped.find((s) => s.file === 'task900_broken.json')!.reason).toMatch(/not valid JSON/)
    expect(record.skipped.find((s) => s.file === 'task901_no_instances.json')!.reason).toMatch(/Instances/)
    expect(job.logs.some((line) => line.level === 'warn' && line.message.includes('task900_broken.json'))).toBe(true)
    const detail = await call<DatasetDetail>('datasets.get', { id: record.id })
    expect(detail.skipped).toHaveLength(2)
    expect(detail.hasSplit).toBe(false)
  })

  it('imports the built-in instruction suite without a path', async () => {
    const job = await importJob({ builtin: 'instruction-suite', instancesPerTask: 5 })
    expect(job.status).toBe('completed')
    const record = (job.result as { record: { name: string; counts: { tasks: number }; source: { path: string } } }).record
    const files = ['train', 'test'].flatMap((split) => readdirSync(join(SUITE, split)).filter((f) => f.endsWith('.json')))
    expect(record.counts.tasks).toBe(files.length)
    expect(record.name).toBe('instruction suite (built-in)')
    expect(record.source.path).toBe(SUITE)
  })

  it('cancels a running import and leaves no half-written dataset behind', async () => {
    const folder = join(scratch, 'many')
    mkdirSync(folder)
    const text = readFileSync(join(SAMPLE, 'train', 'task1146_country_capital.json'), 'utf8')
    for (let i = 0; i < 300; i++) writeFileSync(join(folder, `task${String(i).padStart(4, '0')}_copy.json`), text.replace('"task1146_country_capital"', `"task${i}_copy"`))
    const before = readdirSync(join(workspace, 'datasets')).length
    const started = await call<JobState>('jobs.start', { kind: 'dataset-import', params: { path: folder } })
    await call('jobs.cancel', { id: started.id })
    const job = await jobEnded(started.id)
    expect(job.status).toBe('cancelled')
    expect(job.progress?.step ?? 0).toBeLessThan(300)
    expect(readdirSync(join(workspace, 'datasets')).length).toBe(before) // no new dataset, no .partial folder
  })

  it('rejects bad params and fails clearly on a missing path', async () => {
    const both = await failure('jobs.start', { kind: 'dataset-import', params: { path: SAMPLE, builtin: 'instruction-suite' } })
    expect(both.code).toBe('invalid-params')
    expect(both.message).toContain("give exactly one of 'path'")
    const unknown = await failure('jobs.start', { kind: 'dataset-import', params: { path: SAMPLE, instances: 3 } })
    expect(unknown.message).toContain('instances')
    const missing = await importJob({ path: join(scratch, 'nope') })
    expect(missing.status).toBe('failed')
    expect(missing.error).toBe(`no such file or folder: ${join(scratch, 'nope')}`)
  })
})

describe('datasets service', () => {
  it('lists datasets newest first with their counts', async () => {
    const { datasets, unreadable } = await call<DatasetList>('datasets.list')
    expect(unreadable).toEqual([])
    expect(datasets.map((d) => d.name)).toEqual(['instruction suite (built-in)', 'mixed', 'sample'])
    expect(datasets.find((d) => d.id === sampleId)).toMatchObject({ hasSplit: true, splitEditedAt: null, counts: { tasks: 12 } })
  })

  it('groups tasks by primary category with their split', async () => {
    const detail = await call<DatasetDetail>('datasets.get', { id: sampleId })
    expect(detail.tasks).toHaveLength(12)
    expect(detail.categories.reduce((n, c) => n + c.tasks, 0)).toBe(12)
    expect(detail.tasks.find((t) => t.name === 'task1146_country_capital')).toMatchObject({ category: 'Misc.', split: 'train', instances: 10 })
    expect(detail.tasks.find((t) => t.name === 'task645_summarization')).toMatchObject({ category: 'Keyword Tagging', split: 'test' })
    expect(detail.categories.find((c) => c.name === 'Keyword Tagging')).toEqual({ name: 'Keyword Tagging', tasks: 1, train: 0, test: 1 })
  })

  it("reads a task's definition, examples and instances, paged, as in the source file", async () => {
    const source = sourceTask('train', 'task1146_country_capital')
    const page = await call<DatasetTaskDetail>('datasets.task', { id: sampleId, task: 'task1146_country_capital', offset: 3, limit: 4 })
    expect(page.definition).toEqual(source.Definition)
    expect(page.positiveExamples.map((e) => e.output)).toEqual(source['Positive Examples'].map((e: { output: string }) => e.output))
    expect(page.negativeExamples).toHaveLength(source['Negative Examples'].length)
    expect(page.instances.total).toBe(10) // the import kept the first 10
    expect(page.instances.items.map((i) => i.id)).toEqual(source.Instances.slice(3, 7).map((i: { id: string }) => i.id))
    expect(page.numInstancesTotal).toBe(source.num_instances_total ?? null)
    expect(page.meta.Source).toEqual(source.Source)
    const missing = await failure('datasets.task', { id: sampleId, task: 'task999_nope' })
    expect(missing).toMatchObject({ code: 'not-found' })
    expect(missing.message).toContain("has no task 'task999_nope'")
    expect((await failure('datasets.task', { id: sampleId, task: 'x', limit: 500 })).message).toContain('params.limit')
    expect((await failure('datasets.get', { id: 'ds-unknown' })).code).toBe('not-found')
  })

  it('edits the split atomically, keeps the imported one, and the stages read the new one', async () => {
    const before = await call<DatasetDetail>('datasets.get', { id: sampleId })
    const train = before.splits!.train.filter((t) => t !== 'task1146_country_capital')
    const test = [...before.splits!.test, 'task1146_country_capital']
    const after = await call<DatasetDetail>('datasets.setSplit', { id: sampleId, train, test })
    expect(after.splits!.test).toContain('task1146_country_capital')
    expect(after.counts).toMatchObject({ trainTasks: 7, testTasks: 5 })
    expect(after.importedSplits).toEqual(before.splits)
    expect(after.splitEditedAt).not.toBeNull()
    const onDisk = JSON.parse(readFileSync(join(workspace, 'datasets', sampleId, 'dataset.json'), 'utf8'))
    expect(onDisk.splits.test).toContain('task1146_country_capital')
    expect(onDisk.importedSplits.train).toContain('task1146_country_capital')
    expect(onDisk.source.path).toBe(SAMPLE)
    const { dataset } = await openDataset(new Workspace(workspace), sampleId)
    expect(dataset.splits!.test).toContain('task1146_country_capital')
    // A second edit keeps the first imported split, not the edited one.
    const again = await call<DatasetDetail>('datasets.setSplit', { id: sampleId, train: [...train, 'task1146_country_capital'], test: before.splits!.test })
    expect(again.importedSplits).toEqual(before.splits)
  })

  it('refuses a split with unknown, duplicated or overlapping tasks, or no training task', async () => {
    const bad = async (train: string[], test: string[]) => (await failure('datasets.setSplit', { id: sampleId, train, test })).message
    expect(await bad(['task999_nope'], [])).toContain('params.train: no such task')
    expect(await bad(['task1146_country_capital'], ['task1146_country_capital'])).toContain('both trained on and held out')
    expect(await bad(['task1146_country_capital', 'task1146_country_capital'], [])).toContain('listed twice')
    expect(await bad([], ['task1146_country_capital'])).toContain('at least one training task')
  })

  it('counts lengths in words and characters when no tokenizer is chosen', async () => {
    const stats = await call<DatasetStats>('datasets.stats', { id: sampleId })
    expect(stats.basis).toEqual({ kind: 'text' })
    expect(stats.counts).toMatchObject({ tasks: 12, instances: 120, trainTasks: 8, testTasks: 4, unassignedTasks: 0, trainInstances: 80, testInstances: 40 })
    expect(stats.lengths.map((l) => `${l.field}/${l.unit}`)).toEqual(['definition/words', 'input/words', 'output/words', 'definition/characters', 'input/characters', 'output/characters'])
    const source = sourceTask('train', 'task1146_country_capital')
    const words = source.Instances.slice(0, 10).map((i: { input: string }) => i.input.split(/\s+/).filter(Boolean).length)
    const row = stats.perTask.find((t) => t.task === 'task1146_country_capital')!
    expect(row.inputMean).toBeCloseTo(words.reduce((a: number, b: number) => a + b, 0) / 10, 10)
    const input = stats.lengths.find((l) => l.field === 'input' && l.unit === 'words')!
    expect(input.count).toBe(120)
    expect(input.histogram.reduce((n, bin) => n + bin.count, 0)).toBe(120)
    expect(input.min).toBeLessThanOrEqual(input.median)
    expect(input.p95).toBeLessThanOrEqual(input.max)
  })

  it("counts tokens with a run's tokenizer and lists the runs that have one", async () => {
    const run = new Workspace(workspace).runs.create({ stage: 'backbone', config: {}, name: 'tok-run' })
    mkdirSync(run.path('model'))
    cpSync(TOKENIZER, run.path('model/tokenizer.json'))
    writeFileSync(run.path('model/config.json'), JSON.stringify({ vocab_size: 321 }))
    expect(await call<TokenizerSource[]>('datasets.tokenizers')).toEqual([]) // not completed yet
    run.update({ status: 'completed' })
    expect(await call<TokenizerSource[]>('datasets.tokenizers')).toMatchObject([{ runId: run.id, name: 'tok-run', stage: 'backbone', vocabSize: 321 }])
    const stats = await call<DatasetStats>('datasets.stats', { id: sampleId, tokenizerRun: run.id })
    expect(stats.basis).toMatchObject({ kind: 'tokenizer', runId: run.id, runName: 'tok-run' })
    expect(stats.lengths.map((l) => l.unit)).toEqual(['tokens', 'tokens', 'tokens'])
    const tokenizer = await loadTokenizer(TOKENIZER)
    const source = sourceTask('test', 'task645_summarization')
    const outputs = source.Instances.slice(0, 10).map((i: { output: string[] }) => tokenizer.encode(i.output[0]!, { addEos: false }).length)
    expect(stats.perTask.find((t) => t.task === 'task645_summarization')!.outputMean).toBeCloseTo(outputs.reduce((a: number, b: number) => a + b, 0) / 10, 10)
    expect((await failure('datasets.stats', { id: sampleId, tokenizerRun: 'run-nope' })).code).toBe('not-found')
  })

  it('exports a dataset (or one split) as JSONL', async () => {
    const out = join(scratch, 'test.jsonl')
    const result = await call<{ path: string; lines: number; tasks: number }>('datasets.export', { id: sampleId, path: out, split: 'test' })
    expect(result).toEqual({ path: out, lines: 40, tasks: 4 })
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(40)
    expect((await failure('datasets.export', { id: sampleId, path: 'relative.jsonl' })).message).toContain('expected an absolute path')
    expect(existsSync(join(process.cwd(), 'relative.jsonl'))).toBe(false)
  })
})
