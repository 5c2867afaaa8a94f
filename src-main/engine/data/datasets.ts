/**
 * Datasets in the workspace: `<workspace>/datasets/<id>/` holds
 *
 *   dataset.json   provenance and a summary: id, name, source, imported at, settings, counts, splits,
 *                  categories per task, skipped files with reasons, issues inside kept tasks
 *   tasks/<task>.json   normalised SNI copies holding only the first N instances
 *
 * so that a run can name its dataset by id (run.json `parents.dataset`) and anyone can see exactly what was
 * imported from where (the Kiln-style data model of anchors.md §3.7 point 6). An import is written into a
 * hidden `.<id>.partial` folder and renamed into place at the end, so a crash never leaves half a dataset.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, createWriteStream } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { once } from 'node:events'
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.ts'
import { newId } from '../store/run-store.ts'
import { Workspace } from '../store/workspace.ts'
import { datasetToJsonl, loadJsonlDataset } from './jsonl.ts'
import { discoverTaskSource, type SourceLayout, type Split } from './sni/layout.ts'
import {
  checkInstancesPerTask,
  DatasetBuilder,
  DEFAULT_LOAD_OPTIONS,
  loadDataset,
  readTasks,
  type DatasetSplits,
  type ProgressCallback,
  type SkippedFile,
  type SniDataset,
  type TaskIssue,
} from './sni/loader.ts'
import { taskToJson, type SniTask } from './sni/task.ts'

export interface DatasetRecord {
  format: 'tagi-dataset'
  version: 1
  id: string
  name: string
  source: { path: string; kind: 'sni-folder' | 'jsonl'; layout: SourceLayout | 'jsonl' }
  importedAt: string
  settings: { instancesPerTask: number; requireEnglish: boolean; splitName: string }
  counts: { tasks: number; instances: number; trainTasks: number; testTasks: number; skippedFiles: number; issues: number }
  splits: DatasetSplits | null
  /** Task name -> categories (first = primary). */
  categories: Record<string, string[]>
  /** Task name -> instances kept. */
  instances: Record<string, number>
  skipped: SkippedFile[]
  issues: TaskIssue[]
}

export interface ImportOptions {
  name?: string
  /** First N instances per task; 100 by default (decisions.md §1 point 10). */
  instancesPerTask?: number
  /** 'auto' reads a `.jsonl` file as JSONL and a folder as SNI task files. */
  format?: 'auto' | 'sni' | 'jsonl'
  requireEnglish?: boolean
  splitName?: string
  /** (done, total, currentFile): files for a folder, bytes for a JSONL file. */
  onProgress?: ProgressCallback
}

function workspaceOf(workspace: Workspace | string): Workspace {
  return typeof workspace === 'string' ? new Workspace(workspace) : workspace
}

function taskFileName(taskName: string): string {
  // Task names become file names; anything outside a safe set is replaced so a name cannot escape the folder.
  return `${taskName.replace(/[^\w.-]/g, '_')}.json`
}

function summarise(
  dataset: SniDataset,
  instances: Record<string, number>,
  base: Omit<DatasetRecord, 'counts' | 'splits' | 'categories' | 'instances' | 'skipped' | 'issues'>,
): DatasetRecord {
  return {
    ...base,
    counts: {
      tasks: dataset.tasks.length,
      instances: Object.values(instances).reduce((a, b) => a + b, 0),
      trainTasks: dataset.splits?.train.length ?? 0,
      testTasks: dataset.splits?.test.length ?? 0,
      skippedFiles: dataset.skipped.length,
      issues: dataset.issues.length,
    },
    splits: dataset.splits,
    categories: dataset.categories,
    instances,
    skipped: dataset.skipped,
    issues: dataset.issues,
  }
}

/**
 * Import a folder of SNI task files (any layout of sni/layout.ts) or a JSONL file into the workspace.
 * Folder imports stream: each task file is read, trimmed and written before the next is opened.
 */
export async function importDataset(workspace: Workspace | string, sourcePath: string, options: ImportOptions = {}): Promise<DatasetRecord> {
  const ws = workspaceOf(workspace)
  const source = resolve(sourcePath)
  if (!existsSync(source)) throw new Error(`no such file or folder: ${source}`)
  const instancesPerTask = options.instancesPerTask ?? DEFAULT_LOAD_OPTIONS.instancesPerTask
  checkInstancesPerTask(instancesPerTask)
  const settings = {
    instancesPerTask,
    requireEnglish: options.requireEnglish ?? DEFAULT_LOAD_OPTIONS.requireEnglish,
    splitName: options.splitName ?? DEFAULT_LOAD_OPTIONS.splitName,
  }
  const format = options.format ?? 'auto'
  const isJsonl = format === 'jsonl' || (format === 'auto' && statSync(source).isFile())
  if (format === 'sni' && statSync(source).isFile()) throw new Error(`${source} is a file; SNI imports need a folder of task files`)
  if (format === 'jsonl' && statSync(source).isDirectory()) throw new Error(`${source} is a folder; a JSONL import needs a .jsonl file`)

  const id = newId('ds')
  const partial = join(ws.datasetsDir, `.${id}.partial`)
  mkdirSync(join(partial, 'tasks'), { recursive: true })
  const instances: Record<string, number> = {}
  const writeTask = (task: SniTask): void => {
    writeFileAtomic(join(partial, 'tasks', taskFileName(task.name)), JSON.stringify(taskToJson(task)) + '\n')
    instances[task.name] = task.instances.length
  }
  try {
    let dataset: SniDataset
    if (isJsonl) {
      dataset = await loadJsonlDataset(source, { instancesPerTask, onProgress: options.onProgress })
      for (const task of dataset.tasks) writeTask(task)
    } else {
      const layout = discoverTaskSource(source, settings.splitName)
      const builder = new DatasetBuilder(layout.root, layout.layout, layout.hasSplit)
      for (const entry of layout.excluded) builder.skip(entry)
      for await (const result of readTasks(layout, { ...settings, onProgress: options.onProgress })) {
        const file = relative(layout.root, result.ref.path)
        if (!result.ok) {
          builder.skip({ file, task: result.ref.name, reason: result.reason })
          continue
        }
        // Write now and drop the instances, so memory stays flat on a 1600-file import.
        if (builder.add(file, result.task, result.ref.split, result.issues)) {
          writeTask(result.task)
          result.task.instances = []
        }
      }
      dataset = builder.build()
    }
    if (dataset.tasks.length === 0) {
      const reasons = dataset.skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`).join('; ')
      throw new Error(`no usable task in ${source}${reasons ? ` (${reasons})` : ''}`)
    }
    const record = summarise(dataset, instances, {
      format: 'tagi-dataset',
      version: 1,
      id,
      name: options.name ?? defaultName(source),
      source: { path: source, kind: isJsonl ? 'jsonl' : 'sni-folder', layout: dataset.layout },
      importedAt: new Date().toISOString(),
      settings,
    })
    writeJsonAtomic(join(partial, 'dataset.json'), record)
    renameSync(partial, join(ws.datasetsDir, id))
    return record
  } catch (error) {
    rmSync(partial, { recursive: true, force: true })
    throw error
  }
}

function defaultName(source: string): string {
  const parts = source.split(/[\\/]/).filter(Boolean)
  const last = parts.at(-1) ?? 'dataset'
  // `.../natural-instructions/tasks` and `.../sni/train` say more with their parent folder.
  return ['tasks', 'train', 'test'].includes(last) && parts.length > 1 ? `${parts.at(-2)}/${last}` : last.replace(/\.jsonl$/, '')
}

function checkId(id: string): void {
  if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) throw new Error(`invalid dataset id '${id}'`)
}

/** The dataset.json of a dataset; a clear error when the id is unknown or the file is unreadable. */
export function readDatasetRecord(workspace: Workspace | string, id: string): DatasetRecord {
  checkId(id)
  const ws = workspaceOf(workspace)
  const file = join(ws.datasetsDir, id, 'dataset.json')
  if (!existsSync(file)) throw new Error(`no dataset '${id}' in ${ws.datasetsDir}`)
  let record: DatasetRecord
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as DatasetRecord
  } catch (error) {
    throw new Error(`dataset '${id}': dataset.json is not valid JSON (${(error as Error).message})`)
  }
  if (record.format !== 'tagi-dataset') throw new Error(`dataset '${id}': dataset.json has format '${record.format}', expected 'tagi-dataset'`)
  return record
}

/** Every dataset, newest first; unreadable folders are reported, not skipped silently. */
export function listDatasets(workspace: Workspace | string): { datasets: DatasetRecord[]; unreadable: { id: string; error: string }[] } {
  const ws = workspaceOf(workspace)
  const datasets: DatasetRecord[] = []
  const unreadable: { id: string; error: string }[] = []
  for (const entry of readdirSync(ws.datasetsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    try {
      datasets.push(readDatasetRecord(ws, entry.name))
    } catch (error) {
      unreadable.push({ id: entry.name, error: (error as Error).message })
    }
  }
  datasets.sort((a, b) => b.importedAt.localeCompare(a.importedAt))
  return { datasets, unreadable }
}

/** Load an imported dataset (tasks, splits and categories) by id. */
export async function openDataset(workspace: Workspace | string, id: string): Promise<{ record: DatasetRecord; dataset: SniDataset }> {
  const record = readDatasetRecord(workspace, id)
  const dir = join(workspaceOf(workspace).datasetsDir, id)
  // The copies are already trimmed and validated; English was checked at import time.
  const dataset = await loadDataset(dir, { instancesPerTask: Number.MAX_SAFE_INTEGER, requireEnglish: false })
  if (dataset.skipped.length > 0) {
    const first = dataset.skipped[0]!
    throw new Error(`dataset '${id}' is damaged: ${first.file}: ${first.reason}`)
  }
  dataset.splits = record.splits
  return { record, dataset }
}

/** Write a dataset as JSONL (jsonl.ts shape); `split` limits it to one split. Returns lines and tasks written. */
export async function exportDatasetJsonl(
  workspace: Workspace | string,
  id: string,
  outFile: string,
  options: { split?: Split } = {},
): Promise<{ lines: number; tasks: number; path: string }> {
  const { dataset } = await openDataset(workspace, id)
  let view = dataset
  if (options.split) {
    if (!dataset.splits) throw new Error(`dataset '${id}' has no train/test split; export it without --split`)
    const keep = new Set(dataset.splits[options.split])
    view = { ...dataset, tasks: dataset.tasks.filter((task) => keep.has(task.name)) }
  }
  const path = resolve(outFile)
  const tmp = `${path}.${process.pid}.tmp`
  const stream = createWriteStream(tmp, 'utf8')
  let lines = 0
  try {
    for (const line of datasetToJsonl(view)) {
      if (!stream.write(line + '\n')) await once(stream, 'drain')
      lines++
    }
    stream.end()
    await once(stream, 'finish')
    renameSync(tmp, path)
  } catch (error) {
    stream.destroy()
    rmSync(tmp, { force: true })
    throw error
  }
  return { lines, tasks: view.tasks.length, path }
}
