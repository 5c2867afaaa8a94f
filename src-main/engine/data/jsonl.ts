/**
 * Tasks as JSON Lines, one instance per line:
 *
 *   {"task": "...", "definition": "...", "input": "...", "output": "..." | ["..."] , "outputs": ["..."],
 *    "category": "..." | ["..."], "categories": ["..."], "split": "train" | "test", "id": "...",
 *    "positive_examples": [{"input", "output", "explanation"?}], "negative_examples": [...]}
 *
 * Only task, definition, input and output|outputs are required. Lines are grouped into tasks by `task`, in
 * order of first appearance; the examples may sit on any line of a task (export writes them on its first).
 * This is the interchange shape for data made outside SNI (spreadsheets, scripts) and the export format.
 * A bad line is reported as `file:line` with its reason; the rest of the file still loads.
 */
import { createReadStream, statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { DatasetBuilder, type LoadOptions, type SniDataset } from './sni/loader.ts'
import type { Split } from './sni/layout.ts'
import type { SniExample, SniInstance, SniTask } from './sni/task.ts'

interface PendingTask {
  task: SniTask
  split: Split | null
  firstLine: number
  validLines: number
  hasExamples: boolean
}

class LineError extends Error {}

function lineStringList(value: unknown, key: string): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[]
  throw new LineError(`'${key}' must be a string or a list of strings, found ${JSON.stringify(value)?.slice(0, 40)}`)
}

function lineExamples(value: unknown, key: string): SniExample[] {
  if (!Array.isArray(value)) throw new LineError(`'${key}' must be a list of {input, output}`)
  return value.map((raw, i) => {
    const item = raw as Record<string, unknown>
    if (typeof item?.input !== 'string' || typeof item?.output !== 'string') {
      throw new LineError(`'${key}'[${i}] needs string 'input' and 'output'`)
    }
    return typeof item.explanation === 'string'
      ? { input: item.input, output: item.output, explanation: item.explanation }
      : { input: item.input, output: item.output }
  })
}

interface ParsedLine {
  taskName: string
  definition: string
  categories: string[]
  split: Split | null
  instance: Omit<SniInstance, 'id'> & { id?: string }
  positive?: SniExample[]
  negative?: SniExample[]
}

function parseLine(text: string): ParsedLine {
  let data: Record<string, unknown>
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new LineError(`not valid JSON (${(error as Error).message})`)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new LineError('expected a JSON object')
  if (typeof data.task !== 'string' || !data.task.trim()) throw new LineError(`missing key 'task' (a non-empty string)`)
  if (data.definition === undefined) throw new LineError(`missing key 'definition'`)
  const definition = lineStringList(data.definition, 'definition')[0]
  if (!definition?.trim()) throw new LineError(`'definition' is empty`)
  if (typeof data.input !== 'string') throw new LineError(`missing key 'input' (a string)`)
  const rawOutput = data.outputs ?? data.output
  if (rawOutput === undefined) throw new LineError(`missing key 'output' or 'outputs'`)
  const output = lineStringList(rawOutput, data.outputs !== undefined ? 'outputs' : 'output').filter((o) => o.trim())
  if (output.length === 0) throw new LineError('empty outputs (no non-empty reference)')
  const rawCategories = data.categories ?? data.category
  const categories = rawCategories === undefined ? [] : lineStringList(rawCategories, 'categories')
  if (data.split !== undefined && data.split !== 'train' && data.split !== 'test') {
    throw new LineError(`'split' must be "train" or "test", found ${JSON.stringify(data.split)}`)
  }
  const parsed: ParsedLine = {
    taskName: data.task.trim(),
    definition,
    categories,
    split: (data.split as Split | undefined) ?? null,
    instance: { input: data.input, output, ...(typeof data.id === 'string' ? { id: data.id } : {}) },
  }
  if (data.positive_examples !== undefined) parsed.positive = lineExamples(data.positive_examples, 'positive_examples')
  if (data.negative_examples !== undefined) parsed.negative = lineExamples(data.negative_examples, 'negative_examples')
  return parsed
}

/** Merge one line into its task; a line that contradicts the task's earlier lines is refused. */
function mergeLine(pending: PendingTask, line: ParsedLine, instancesPerTask: number): void {
  const { task } = pending
  const where = `line ${pending.firstLine} of the same task`
  if (line.definition !== task.definition[0]) throw new LineError(`'definition' differs from ${where}`)
  if (line.split !== pending.split) throw new LineError(`'split' ${line.split} differs from ${pending.split} on ${where}`)
  if (line.categories.length > 0 && JSON.stringify(line.categories) !== JSON.stringify(task.categories)) {
    throw new LineError(`'category' ${JSON.stringify(line.categories)} differs from ${JSON.stringify(task.categories)} on ${where}`)
  }
  if (line.positive || line.negative) {
    if (pending.hasExamples) throw new LineError(`examples given twice for task '${task.name}' (first on ${where})`)
    task.positiveExamples = line.positive ?? []
    task.negativeExamples = line.negative ?? []
    pending.hasExamples = true
  }
  pending.validLines++
  if (task.instances.length < instancesPerTask) {
    task.instances.push({ id: line.instance.id ?? `${task.name}-${pending.validLines - 1}`, input: line.instance.input, output: line.instance.output })
  }
}

/** Read a JSONL file into a dataset. Progress reports bytes read of the file's size. */
export async function loadJsonlDataset(file: string, options: Pick<LoadOptions, 'instancesPerTask' | 'onProgress'>): Promise<SniDataset> {
  const path = resolve(file)
  const size = statSync(path).size
  const name = basename(path)
  const pending = new Map<string, PendingTask>()
  const skipped: { file: string; task?: string; reason: string }[] = []
  let lineNumber = 0
  let bytes = 0
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })
  for await (const text of lines) {
    lineNumber++
    bytes += Buffer.byteLength(text, 'utf8') + 1
    if (lineNumber % 1000 === 0) options.onProgress?.(Math.min(bytes, size), size, name)
    if (!text.trim()) continue
    let taskName: string | undefined
    try {
      const line = parseLine(lineNumber === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
      taskName = line.taskName
      let entry = pending.get(line.taskName)
      if (!entry) {
        const task: SniTask = {
          name: line.taskName,
          definition: [line.definition],
          positiveExamples: [],
          negativeExamples: [],
          categories: line.categories,
          instances: [],
          numInstancesTotal: 0,
          meta: {},
        }
        entry = { task, split: line.split, firstLine: lineNumber, validLines: 0, hasExamples: false }
        pending.set(line.taskName, entry)
      }
      mergeLine(entry, line, options.instancesPerTask)
    } catch (error) {
      if (!(error instanceof LineError)) throw error
      skipped.push({ file: `${name}:${lineNumber}`, ...(taskName ? { task: taskName } : {}), reason: error.message })
    }
  }
  options.onProgress?.(size, size, name)
  const hasSplit = [...pending.values()].some((entry) => entry.split !== null)
  const builder = new DatasetBuilder(path, 'jsonl', hasSplit)
  for (const entry of skipped) builder.skip(entry)
  for (const entry of pending.values()) {
    entry.task.numInstancesTotal = entry.validLines
    builder.add(`${name}:${entry.firstLine}`, entry.task, entry.split, [])
  }
  return builder.build()
}

/** The JSONL lines of a dataset (one per instance, examples on each task's first line). */
export function* datasetToJsonl(dataset: SniDataset): Generator<string> {
  const splitOf = new Map<string, Split>()
  for (const split of ['train', 'test'] as const) for (const name of dataset.splits?.[split] ?? []) splitOf.set(name, split)
  for (const task of dataset.tasks) {
    const split = splitOf.get(task.name)
    for (const [index, instance] of task.instances.entries()) {
      const line: Record<string, unknown> = {
        task: task.name,
        id: instance.id,
        definition: task.definition[0],
        input: instance.input,
        outputs: instance.output,
        ...(task.categories.length > 0 ? { category: task.categories[0], categories: task.categories } : {}),
        ...(split ? { split } : {}),
      }
      if (index === 0 && (task.positiveExamples.length > 0 || task.negativeExamples.length > 0)) {
        line.positive_examples = task.positiveExamples
        line.negative_examples = task.negativeExamples
      }
      yield JSON.stringify(line)
    }
  }
}
