/**
 * Where the task files of an SNI source are and which split each belongs to. Four layouts are recognised:
 *
 *   natural-instructions  a clone of allenai/natural-instructions: tasks/*.json + splits/<name>/{train,test}_tasks.txt
 *   split-folders         train/ and/or test/ folders of task files, optionally with splits.json beside them
 *                         (shared/data/sni and resources/instruction-suite use this layout)
 *   workspace             an imported dataset: dataset.json (splits) + tasks/*.json (see ../datasets.ts)
 *   plain                 a folder of task files: all tasks, no split
 *
 * Only names are listed here; reading and validating the files is loader.ts's job.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'

export type Split = 'train' | 'test'
export type SourceLayout = 'natural-instructions' | 'split-folders' | 'workspace' | 'plain'

export interface TaskFileRef {
  path: string
  /** The task name implied by the file name (`task001_x.json` -> `task001_x`). */
  name: string
  split: Split | null
}

export interface TaskSource {
  root: string
  layout: SourceLayout
  files: TaskFileRef[]
  /** Whether the source defines a train/test split (false for a plain folder). */
  hasSplit: boolean
  /** Files or names that will not be read, with the reason (reported, never dropped silently). */
  excluded: { file: string; reason: string }[]
}

/** JSON files that describe a folder rather than being tasks. */
const METADATA_FILES = new Set(['splits.json', 'manifest.json', 'dataset.json'])

function jsonFilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json') && !METADATA_FILES.has(entry.name))
    .map((entry) => entry.name)
    .sort()
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory()
}

function readSplitList(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
}

function naturalInstructions(root: string, splitName: string): TaskSource {
  const tasksDir = join(root, 'tasks')
  const splitDir = join(root, 'splits', splitName)
  const lists: Record<Split, string[]> = {
    train: readSplitList(join(splitDir, 'train_tasks.txt')),
    test: readSplitList(join(splitDir, 'test_tasks.txt')),
  }
  const present = new Set(jsonFilesIn(tasksDir).map((file) => basename(file, '.json')))
  const files: TaskFileRef[] = []
  const excluded: TaskSource['excluded'] = []
  const listed = new Set<string>()
  for (const split of ['train', 'test'] as const) {
    for (const name of lists[split]) {
      listed.add(name)
      if (present.has(name)) files.push({ path: join(tasksDir, `${name}.json`), name, split })
      else excluded.push({ file: `tasks/${name}.json`, reason: `listed in splits/${splitName}/${split}_tasks.txt but no such file` })
    }
  }
  for (const name of [...present].sort()) {
    if (!listed.has(name)) excluded.push({ file: `tasks/${name}.json`, reason: `not in splits/${splitName} (train or test)` })
  }
  return { root, layout: 'natural-instructions', files, hasSplit: true, excluded }
}

function workspaceDataset(root: string): TaskSource {
  let record: { splits?: Record<Split, string[]> | null }
  try {
    record = JSON.parse(readFileSync(join(root, 'dataset.json'), 'utf8'))
  } catch (error) {
    throw new Error(`${join(root, 'dataset.json')}: not valid JSON (${(error as Error).message})`)
  }
  const splitOf = new Map<string, Split>()
  for (const split of ['train', 'test'] as const) for (const name of record.splits?.[split] ?? []) splitOf.set(name, split)
  const tasksDir = join(root, 'tasks')
  const files = (isDir(tasksDir) ? jsonFilesIn(tasksDir) : []).map((file) => {
    const name = basename(file, '.json')
    return { path: join(tasksDir, file), name, split: splitOf.get(name) ?? null }
  })
  return { root, layout: 'workspace', files, hasSplit: Boolean(record.splits), excluded: [] }
}

/** Find the task files of a source folder. `splitName` picks natural-instructions' `splits/<name>/`. */
export function discoverTaskSource(path: string, splitName = 'default'): TaskSource {
  const root = resolve(path)
  if (!existsSync(root)) throw new Error(`no such folder: ${root}`)
  if (!statSync(root).isDirectory()) throw new Error(`${root} is a file; expected a folder of SNI task files (use --jsonl for a JSONL file)`)
  if (existsSync(join(root, 'dataset.json'))) return workspaceDataset(root)
  if (isDir(join(root, 'tasks'))) {
    if (existsSync(join(root, 'splits', splitName, 'train_tasks.txt'))) return naturalInstructions(root, splitName)
    if (isDir(join(root, 'splits'))) throw new Error(`${root}: no splits/${splitName}/train_tasks.txt (split '${splitName}' not found)`)
    return { ...plainFolder(join(root, 'tasks')), root }
  }
  const splitDirs = (['train', 'test'] as const).filter((split) => isDir(join(root, split)))
  if (splitDirs.length > 0) {
    const files = splitDirs.flatMap((split) =>
      jsonFilesIn(join(root, split)).map((file) => ({ path: join(root, split, file), name: basename(file, '.json'), split })),
    )
    return { root, layout: 'split-folders', files, hasSplit: true, excluded: [] }
  }
  return plainFolder(root)
}

function plainFolder(root: string): TaskSource {
  const files = jsonFilesIn(root).map((file) => ({ path: join(root, file), name: basename(file, '.json'), split: null }))
  return { root, layout: 'plain', files, hasSplit: false, excluded: [] }
}
