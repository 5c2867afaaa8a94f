/**
 * Dataset statistics for the Datasets page: tasks and instances per split and category, and the lengths of
 * definitions, inputs and outputs. Lengths are counted in the tokens of a chosen run's tokenizer (what the
 * model will actually see, and what `maxSourceTokens` truncates), or, with no tokenizer chosen, in
 * whitespace-separated words and in characters, labelled as such: a word count is not a token count.
 * Reads one task file at a time and yields between tasks, so a 1600-task dataset never blocks the host.
 */
import { join } from 'node:path'
import { setImmediate as nextTick } from 'node:timers/promises'
import { StudioError, type DatasetStats, type LengthField, type LengthSummary, type LengthUnit, type TaskSplit } from '../../contract/index.ts'
import type { DatasetRecord, SniTask } from '../../engine/data/index.ts'
import { Workspace } from '../../engine/store/workspace.ts'
import { loadTokenizer, type TextTokenizer } from '../../engine/tokenizers/index.ts'

// Ten bins: enough to see a long tail, few enough to read as a sparkline.
const HISTOGRAM_BINS = 10

type Counter = { unit: LengthUnit; count: (text: string) => number }

const words: Counter = { unit: 'words', count: (text) => text.split(/\s+/).filter(Boolean).length }
const characters: Counter = { unit: 'characters', count: (text) => [...text].length }

/** Loaded tokenizers by run id: loading tokenizer.json costs more than counting a small dataset. */
const tokenizerCache = new Map<string, Promise<TextTokenizer>>()
/** Finished statistics by dataset, tokenizer and dataset version (the split edit time or the import time). */
const statsCache = new Map<string, DatasetStats>()
// A page shows one dataset at a time; a few dozen entries cover going back and forth between them.
const STATS_CACHE_LIMIT = 32

async function tokenizerOf(workspaceDir: string, runId: string): Promise<{ tokenizer: TextTokenizer; runName: string }> {
  const ws = new Workspace(workspaceDir)
  let run
  try {
    run = ws.runs.open(runId)
  } catch (error) {
    throw new StudioError('not-found', `params.tokenizerRun: ${(error as Error).message}`)
  }
  const dir = join(run.dir, 'model')
  const key = `${workspaceDir}|${runId}`
  if (!tokenizerCache.has(key)) tokenizerCache.set(key, loadTokenizer(dir))
  try {
    return { tokenizer: await tokenizerCache.get(key)!, runName: run.record.name }
  } catch (error) {
    tokenizerCache.delete(key)
    throw new StudioError('invalid-params', `params.tokenizerRun: run ${runId} has no usable tokenizer in ${dir} (${(error as Error).message})`)
  }
}

function summarise(field: LengthField, unit: LengthUnit, values: number[]): LengthSummary {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return { field, unit, count: 0, min: 0, mean: 0, median: 0, p95: 0, max: 0, histogram: [] }
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]! // nearest rank
  const min = sorted[0]!
  const max = sorted[n - 1]!
  const width = Math.max(1, Math.ceil((max - min + 1) / HISTOGRAM_BINS))
  const bins = Math.max(1, Math.ceil((max - min + 1) / width))
  const histogram = Array.from({ length: bins }, (_, i) => ({ from: min + i * width, to: min + (i + 1) * width - 1, count: 0 }))
  for (const value of sorted) histogram[Math.floor((value - min) / width)]!.count++
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2
  return { field, unit, count: n, min, mean: sorted.reduce((a, b) => a + b, 0) / n, median, p95: at(0.95), max, histogram }
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0
}

/**
 * Statistics of a dataset; `readTask` reads one task (the service's reader of the imported copies) and
 * `version` changes whenever the record does (its split edit time, else its import time).
 */
export async function datasetStatistics(
  workspaceDir: string,
  record: DatasetRecord,
  version: string,
  tokenizerRun: string | null,
  readTask: (name: string) => Promise<SniTask>,
): Promise<DatasetStats> {
  const cacheKey = `${workspaceDir}|${record.id}|${tokenizerRun}|${version}`
  const cached = statsCache.get(cacheKey)
  if (cached) return cached

  let counters: Counter[]
  let basis: DatasetStats['basis']
  if (tokenizerRun) {
    const { tokenizer, runName } = await tokenizerOf(workspaceDir, tokenizerRun)
    // No EOS: the count is of the text itself; the model adds one EOS per sequence.
    counters = [{ unit: 'tokens', count: (text) => tokenizer.encode(text, { addEos: false }).length }]
    basis = { kind: 'tokenizer', runId: tokenizerRun, runName, vocabSize: tokenizer.vocabSize }
  } else {
    counters = [words, characters]
    basis = { kind: 'text' }
  }

  const fields: LengthField[] = ['definition', 'input', 'output']
  const values = new Map<string, number[]>(counters.flatMap((c) => fields.map((f) => [`${f}|${c.unit}`, []] as [string, number[]])))
  const perTask: DatasetStats['perTask'] = []
  const categories = new Map<string, { tasks: number; instances: number }>()
  const split = (task: string): TaskSplit | null => (record.splits?.train.includes(task) ? 'train' : record.splits?.test.includes(task) ? 'test' : null)
  let trainInstances = 0
  let testInstances = 0

  for (const name of Object.keys(record.instances).sort()) {
    const task = await readTask(name)
    const taskSplit = split(name)
    const primary = task.categories[0] ?? 'Uncategorized'
    const entry = categories.get(primary) ?? { tasks: 0, instances: 0 }
    entry.tasks++
    entry.instances += task.instances.length
    categories.set(primary, entry)
    if (taskSplit === 'train') trainInstances += task.instances.length
    if (taskSplit === 'test') testInstances += task.instances.length
    for (const counter of counters) {
      // The prompts use the first definition (Tk-Instruct collator); the first reference stands for the output.
      values.get(`definition|${counter.unit}`)!.push(counter.count(task.definition[0] ?? ''))
      const inputs = task.instances.map((instance) => counter.count(instance.input))
      const outputs = task.instances.map((instance) => counter.count(instance.output[0] ?? ''))
      values.get(`input|${counter.unit}`)!.push(...inputs)
      values.get(`output|${counter.unit}`)!.push(...outputs)
      if (counter === counters[0]) perTask.push({ task: name, split: taskSplit, instances: task.instances.length, inputMean: mean(inputs), outputMean: mean(outputs) })
    }
    await nextTick() // let other requests and job events through between tasks
  }

  const counts = record.counts
  const stats: DatasetStats = {
    id: record.id,
    basis,
    counts: {
      tasks: counts.tasks,
      instances: counts.instances,
      trainTasks: record.splits?.train.length ?? 0,
      testTasks: record.splits?.test.length ?? 0,
      unassignedTasks: perTask.filter((t) => t.split === null).length,
      trainInstances,
      testInstances,
    },
    categories: [...categories].map(([name, c]) => ({ name, ...c })).sort((a, b) => b.tasks - a.tasks || a.name.localeCompare(b.name)),
    lengths: counters.flatMap((c) => fields.map((f) => summarise(f, c.unit, values.get(`${f}|${c.unit}`)!))),
    perTask,
  }
  statsCache.set(cacheKey, stats)
  if (statsCache.size > STATS_CACHE_LIMIT) statsCache.delete(statsCache.keys().next().value!)
  return stats
}
