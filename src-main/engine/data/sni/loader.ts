/**
 * Load an SNI dataset (a folder of task files, see layout.ts) into memory: validated tasks, the train/test
 * split, the categories of each task, and a report of every file that was skipped and why. Follows the
 * reading rules of the Tk-Instruct/TAGI `ni_dataset.py` (English tasks of the default split, the first N
 * instances of each task) without its silent skipping: a bad file is reported with the key at fault.
 * Files are read one at a time (async), so a 1600-file clone never sits in memory as raw text and the
 * progress callback can drive a progress bar.
 */
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { discoverTaskSource, type SourceLayout, type Split, type TaskFileRef, type TaskSource } from './layout.ts'
import { parseTaskText, TaskFileError, type SniTask } from './task.ts'

export interface LoadOptions {
  /** Instances kept per task, first by file order; 100 as in the paper (decisions.md §1 point 10). */
  instancesPerTask: number
  /** English tasks only, as the paper's SNI setting (tagi-method.md §5.2). */
  requireEnglish: boolean
  /** natural-instructions split folder (`splits/<name>/`); 'default' is the Tk-Instruct/TAGI split. */
  splitName: string
  /** Called after each file with (files done, files in total, the file just read). */
  onProgress?: ProgressCallback
}

export type ProgressCallback = (done: number, total: number, currentFile: string) => void

export const DEFAULT_LOAD_OPTIONS: LoadOptions = { instancesPerTask: 100, requireEnglish: true, splitName: 'default' }

export interface SkippedFile {
  /** Path relative to the source root (or `file:line` for JSONL). */
  file: string
  task?: string
  reason: string
}

export interface TaskIssue {
  task: string
  message: string
}

export interface DatasetSplits {
  train: string[]
  test: string[]
}

export interface SniDataset {
  root: string
  layout: SourceLayout | 'jsonl'
  tasks: SniTask[]
  /** Task names per split; null when the source has no split (every task is simply "in the dataset"). */
  splits: DatasetSplits | null
  /** Task name -> its SNI categories (first = primary). */
  categories: Record<string, string[]>
  skipped: SkippedFile[]
  /** Problems inside kept tasks (dropped instances or references). */
  issues: TaskIssue[]
}

/** One file's outcome: a task, or the reason it was skipped. */
export type TaskReadResult =
  | { ok: true; ref: TaskFileRef; task: SniTask; issues: string[] }
  | { ok: false; ref: TaskFileRef; reason: string }

export async function readTaskFile(ref: TaskFileRef, options: LoadOptions): Promise<TaskReadResult> {
  let text: string
  try {
    text = await readFile(ref.path, 'utf8')
  } catch (error) {
    return { ok: false, ref, reason: `cannot read file (${(error as Error).message})` }
  }
  try {
    const { task, issues } = parseTaskText(text, ref.name, options)
    return { ok: true, ref, task, issues }
  } catch (error) {
    if (error instanceof TaskFileError) return { ok: false, ref, reason: error.message }
    throw error
  }
}

/** Read every file of a source in order, yielding each outcome and reporting progress. */
export async function* readTasks(source: TaskSource, options: LoadOptions): AsyncGenerator<TaskReadResult> {
  const total = source.files.length
  for (let i = 0; i < total; i++) {
    const ref = source.files[i]!
    const result = await readTaskFile(ref, options)
    options.onProgress?.(i + 1, total, relative(source.root, ref.path))
    yield result
  }
}

/**
 * Collects read results into a dataset: duplicate task names are skipped (the first file wins) and the
 * split lists keep only tasks that were actually loaded.
 */
export class DatasetBuilder {
  readonly tasks: SniTask[] = []
  readonly skipped: SkippedFile[] = []
  readonly issues: TaskIssue[] = []
  readonly #splitOf = new Map<string, Split | null>()

  constructor(
    readonly root: string,
    readonly layout: SniDataset['layout'],
    readonly hasSplit: boolean,
  ) {}

  /** Returns whether the task was kept. */
  add(file: string, task: SniTask, split: Split | null, issues: string[]): boolean {
    if (this.#splitOf.has(task.name)) {
      this.skipped.push({ file, task: task.name, reason: `duplicate task name '${task.name}' (an earlier file already has it)` })
      return false
    }
    this.#splitOf.set(task.name, split)
    this.tasks.push(task)
    for (const message of issues) this.issues.push({ task: task.name, message })
    return true
  }

  skip(entry: SkippedFile): void {
    this.skipped.push(entry)
  }

  build(): SniDataset {
    const splits: DatasetSplits | null = this.hasSplit ? { train: [], test: [] } : null
    const categories: Record<string, string[]> = {}
    for (const task of this.tasks) {
      categories[task.name] = task.categories
      const split = this.#splitOf.get(task.name)
      if (splits && split) splits[split].push(task.name)
    }
    return { root: this.root, layout: this.layout, tasks: this.tasks, splits, categories, skipped: this.skipped, issues: this.issues }
  }
}

/** Load a dataset folder in any layout of layout.ts. */
export async function loadDataset(dir: string, options: Partial<LoadOptions> = {}): Promise<SniDataset> {
  const resolved: LoadOptions = { ...DEFAULT_LOAD_OPTIONS, ...options }
  checkInstancesPerTask(resolved.instancesPerTask)
  const source = discoverTaskSource(dir, resolved.splitName)
  const builder = new DatasetBuilder(source.root, source.layout, source.hasSplit)
  for (const entry of source.excluded) builder.skip(entry)
  for await (const result of readTasks(source, resolved)) {
    const file = relative(source.root, result.ref.path)
    if (result.ok) builder.add(file, result.task, result.ref.split, result.issues)
    else builder.skip({ file, task: result.ref.name, reason: result.reason })
  }
  return builder.build()
}

export function checkInstancesPerTask(value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`instancesPerTask must be a positive integer, found ${value}`)
}

/** The tasks of one split ('all' = every task). A dataset without a split has only 'all'. */
export function tasksOf(dataset: SniDataset, split: Split | 'all'): SniTask[] {
  if (split === 'all') return dataset.tasks
  if (!dataset.splits) throw new Error(`dataset at ${dataset.root} has no train/test split; use 'all'`)
  const names = new Set(dataset.splits[split])
  return dataset.tasks.filter((task) => names.has(task.name))
}

/** Task names grouped by primary category (the teacher-LoRA groups, tagi-method.md §3.1). */
export function tasksByPrimaryCategory(tasks: SniTask[]): Map<string, SniTask[]> {
  const groups = new Map<string, SniTask[]>()
  for (const task of tasks) {
    const category = task.categories[0] ?? 'Uncategorized'
    groups.set(category, [...(groups.get(category) ?? []), task])
  }
  return groups
}
