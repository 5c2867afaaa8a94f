/**
 * The Datasets domain service: the workspace's imported datasets (engine/data/datasets.ts) for the studio's
 * Datasets page. Reads dataset.json and one task file at a time (never the whole dataset for one request);
 * the split is edited in dataset.json atomically, keeping the imported split beside it (provenance), so
 * the TAGI stages (which read `splits` through openDataset) train and evaluate on the user's choice.
 */
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import {
  StudioError,
  type DatasetCategory,
  type DatasetDetail,
  type DatasetSummary,
  type DatasetTaskDetail,
  type DatasetTaskRow,
  type TaskSplit,
  type TokenizerSource,
} from '../../contract/index.ts'
import { exportDatasetJsonl, listDatasets, parseTaskText, readDatasetRecord, type DatasetRecord, type SniTask } from '../../engine/data/index.ts'
import { writeJsonAtomic } from '../../engine/store/atomic.ts'
import { Workspace } from '../../engine/store/workspace.ts'
import { datasetStatistics } from './datasets-stats.ts'
import type { DomainService, HostContext } from './types.ts'

/** dataset.json as this service writes it: the engine's record plus the split's provenance. */
export type EditableRecord = DatasetRecord & { importedSplits?: DatasetRecord['splits']; splitEditedAt?: string }

/** The folder of a dataset, or a not-found error naming what exists. */
export function datasetDir(workspaceDir: string, id: string): string {
  const ws = new Workspace(workspaceDir)
  if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) throw new StudioError('invalid-params', `invalid dataset id '${id}' (expected letters, digits, '.', '_' or '-')`)
  const dir = join(ws.datasetsDir, id)
  if (!existsSync(join(dir, 'dataset.json'))) throw new StudioError('not-found', `no dataset '${id}' in ${ws.datasetsDir}`)
  return dir
}

export function readRecord(workspaceDir: string, id: string): EditableRecord {
  datasetDir(workspaceDir, id)
  return readDatasetRecord(workspaceDir, id) as EditableRecord
}

function splitOf(record: DatasetRecord, task: string): TaskSplit | null {
  if (record.splits?.train.includes(task)) return 'train'
  if (record.splits?.test.includes(task)) return 'test'
  return null
}

function summary(record: EditableRecord): DatasetSummary {
  const { id, name, source, importedAt, settings, counts } = record
  return { id, name, source, importedAt, settings, counts, hasSplit: record.splits !== null, splitEditedAt: record.splitEditedAt ?? null }
}

function detail(record: EditableRecord): DatasetDetail {
  const tasks: DatasetTaskRow[] = Object.keys(record.instances)
    .sort()
    .map((name) => {
      const categories = record.categories[name] ?? []
      return { name, categories, category: categories[0] ?? 'Uncategorized', instances: record.instances[name] ?? 0, split: splitOf(record, name) }
    })
  const byCategory = new Map<string, DatasetCategory>()
  for (const task of tasks) {
    const entry = byCategory.get(task.category) ?? { name: task.category, tasks: 0, train: 0, test: 0 }
    entry.tasks++
    if (task.split) entry[task.split]++
    byCategory.set(task.category, entry)
  }
  const categories = [...byCategory.values()].sort((a, b) => b.tasks - a.tasks || a.name.localeCompare(b.name))
  return {
    ...summary(record),
    splits: record.splits,
    importedSplits: record.importedSplits === undefined ? record.splits : record.importedSplits,
    tasks,
    categories,
    skipped: record.skipped,
    issues: record.issues,
  }
}

/** The file a task was imported to: datasets.ts names it after the task, unsafe characters as '_'. */
function taskFile(dir: string, task: string): string {
  return join(dir, 'tasks', `${task.replace(/[^\w.-]/g, '_')}.json`)
}

/** One task of a dataset, parsed from its normalised copy. */
export async function readTask(workspaceDir: string, record: DatasetRecord, task: string): Promise<SniTask> {
  const dir = datasetDir(workspaceDir, record.id)
  if (!Object.hasOwn(record.instances, task)) {
    const names = Object.keys(record.instances)
    throw new StudioError('not-found', `dataset '${record.id}' has no task '${task}' (it has ${names.length}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`)
  }
  const file = taskFile(dir, task)
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new StudioError('failed', `dataset '${record.id}' is damaged: cannot read ${file} (${error.message})`)
  })
  // The copies were validated at import; English was checked then, and every instance kept is read.
  return parseTaskText(text, task, { instancesPerTask: Number.MAX_SAFE_INTEGER, requireEnglish: false }).task
}

function checkSplit(record: DatasetRecord, train: string[], test: string[]): void {
  const known = new Set(Object.keys(record.instances))
  for (const [key, names] of [['train', train], ['test', test]] as const) {
    const unknown = names.filter((name) => !known.has(name))
    if (unknown.length) throw new StudioError('invalid-params', `params.${key}: no such task in dataset '${record.id}': ${unknown.slice(0, 5).join(', ')}`)
    const duplicated = names.filter((name, i) => names.indexOf(name) !== i)
    if (duplicated.length) throw new StudioError('invalid-params', `params.${key}: task listed twice: ${duplicated[0]}`)
  }
  const both = train.filter((name) => test.includes(name))
  if (both.length) throw new StudioError('invalid-params', `a task cannot be both trained on and held out: ${both.slice(0, 5).join(', ')}`)
  if (train.length === 0) throw new StudioError('invalid-params', 'params.train: a split needs at least one training task (the TAGI stages learn from them)')
}

function tokenizerSources(workspaceDir: string): TokenizerSource[] {
  const ws = new Workspace(workspaceDir)
  const sources: TokenizerSource[] = []
  for (const run of ws.runs.list().runs) {
    const model = join(ws.runs.root, run.id, 'model')
    if (run.status !== 'completed' || !existsSync(join(model, 'tokenizer.json'))) continue
    let vocabSize: number | null = null
    try {
      vocabSize = (JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')) as { vocab_size?: number }).vocab_size ?? null
    } catch {
      vocabSize = null // a model folder without a readable config.json still has a usable tokenizer
    }
    sources.push({ runId: run.id, name: run.name, stage: run.stage, createdAt: run.createdAt, vocabSize })
  }
  return sources
}

export const datasetsService: DomainService = ({ workspaceDir }: HostContext) => ({
  'datasets.list': () => {
    const { datasets, unreadable } = listDatasets(workspaceDir)
    return { datasets: datasets.map((record) => summary(record as EditableRecord)), unreadable }
  },

  'datasets.get': ({ id }) => detail(readRecord(workspaceDir, id)),

  'datasets.task': async ({ id, task, offset, limit }): Promise<DatasetTaskDetail> => {
    const record = readRecord(workspaceDir, id)
    const t = await readTask(workspaceDir, record, task)
    return {
      dataset: id,
      name: t.name,
      split: splitOf(record, task),
      categories: t.categories,
      definition: t.definition,
      positiveExamples: t.positiveExamples,
      negativeExamples: t.negativeExamples,
      meta: t.meta as Record<string, string[]>,
      numInstancesTotal: t.numInstancesTotal,
      instances: { total: t.instances.length, offset, items: t.instances.slice(offset, offset + limit) },
    }
  },

  'datasets.setSplit': ({ id, train, test }) => {
    const record = readRecord(workspaceDir, id)
    checkSplit(record, train, test)
    const updated: EditableRecord = {
      ...record,
      // The imported split is kept the first time it is replaced, so the record always says where it came from.
      importedSplits: record.importedSplits === undefined ? record.splits : record.importedSplits,
      splits: { train: [...train].sort(), test: [...test].sort() },
      splitEditedAt: new Date().toISOString(),
      counts: { ...record.counts, trainTasks: train.length, testTasks: test.length },
    }
    writeJsonAtomic(join(datasetDir(workspaceDir, id), 'dataset.json'), updated)
    return detail(updated)
  },

  'datasets.stats': ({ id, tokenizerRun }) => {
    const record = readRecord(workspaceDir, id)
    return datasetStatistics(workspaceDir, record, record.splitEditedAt ?? record.importedAt, tokenizerRun, (task) => readTask(workspaceDir, record, task))
  },

  'datasets.tokenizers': () => tokenizerSources(workspaceDir),

  'datasets.export': async ({ id, path, split }) => {
    const record = readRecord(workspaceDir, id)
    if (!isAbsolute(path)) throw new StudioError('invalid-params', `params.path: expected an absolute path to a .jsonl file (found: '${path}')`)
    if (split && !record.splits) throw new StudioError('invalid-params', `dataset '${id}' has no train/test split; export it without a split`)
    return exportDatasetJsonl(workspaceDir, id, path, { split: split ?? undefined })
  },
})

