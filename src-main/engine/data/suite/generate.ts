/**
 * Generate the built-in instruction suite (resources/instruction-suite/) from a seed: SNI task files in
 * `train/` and `test/` plus a `splits.json` in the shape of shared/data/sni/splits.json, i.e. the
 * "split-folders" layout that sni/layout.ts reads. Each task draws from its own stream (Rng.derive(seed,
 * task name)), so adding a task never changes the others, and no timestamp is written, so the same seed
 * gives byte-identical files.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from '../../store/atomic.ts'
import { Rng } from '../random.ts'
import { taskToJson, type SniExample, type SniInstance, type SniTask } from '../sni/task.ts'
import { SUITE_TASKS, type SuiteTaskSpec } from './tasks.ts'

export interface SuiteConfig {
  /** Seed of every draw; the committed files use SUITE_DEFAULT_SEED. */
  seed: number
  /** Instances per training task: 100, the paper's per-task count (decisions.md §1 point 10). */
  trainInstances: number
  /** Instances per held-out task: 50, enough for a stable ROUGE-L at a few seconds of evaluation. */
  testInstances: number
}

export const SUITE_DEFAULT_SEED = 20240
export const SUITE_VERSION = 1
export const DEFAULT_SUITE_CONFIG: SuiteConfig = { seed: SUITE_DEFAULT_SEED, trainInstances: 100, testInstances: 50 }

/** Tries to find an input not used yet before accepting a repeat (single-word tasks have few inputs). */
const DISTINCT_TRIES = 50

function fill(template: string, input: string, output: string): string {
  return template.replaceAll('{input}', input).replaceAll('{output}', output)
}

/** Build one task: 2 positive examples, 1 negative example, then instances with inputs distinct where possible. */
export function generateSuiteTask(spec: SuiteTaskSpec, config: SuiteConfig): SniTask {
  const rng = Rng.derive(config.seed, spec.name)
  const used = new Set<string>()
  const drawNew = (allowRepeat: boolean): string[] => {
    for (let attempt = 0; attempt < DISTINCT_TRIES; attempt++) {
      const words = spec.draw(rng)
      if (!used.has(words.join(' '))) return words
    }
    if (!allowRepeat) throw new Error(`suite task ${spec.name}: could not draw a new example input`)
    return spec.draw(rng)
  }
  const positives: SniExample[] = []
  for (let i = 0; i < 2; i++) {
    const words = drawNew(false)
    const input = words.join(' ')
    used.add(input)
    const output = spec.solve(words)
    positives.push({ input, output, explanation: fill(spec.explain, input, output) })
  }
  const exampleInputs = new Set(used)
  const count = spec.split === 'train' ? config.trainInstances : config.testInstances
  const instances: SniInstance[] = []
  while (instances.length < count) {
    const words = drawNew(true)
    const input = words.join(' ')
    if (exampleInputs.has(input)) continue // an instance must never be one of the task's own demos
    used.add(input)
    instances.push({ id: `${spec.name}-${String(instances.length).padStart(3, '0')}`, input, output: [spec.solve(words)] })
  }
  // Negative example: a correct answer, but for another input.
  const wrong = instances.find((instance) => instance.output[0] !== positives[0]!.output)
  if (!wrong) throw new Error(`suite task ${spec.name}: every instance has the same output; the rule is constant`)
  const negative: SniExample = {
    input: positives[0]!.input,
    output: wrong.output[0]!,
    explanation: `This output does not follow the definition for the input "${positives[0]!.input}"; the correct output is "${positives[0]!.output}".`,
  }
  return {
    name: spec.name,
    definition: [spec.definition],
    positiveExamples: positives,
    negativeExamples: [negative],
    categories: spec.categories,
    instances,
    numInstancesTotal: instances.length,
    meta: {
      Source: ['tagi-studio instruction suite'],
      URL: [],
      Reasoning: [],
      Domains: ['Synthetic'],
      Input_language: ['English'],
      Output_language: ['English'],
      Instruction_language: ['English'],
      'Instance License': ['Apache 2.0'],
    },
  }
}

export function generateSuite(config: SuiteConfig = DEFAULT_SUITE_CONFIG): { tasks: SniTask[]; splits: Record<string, unknown> } {
  const tasks = SUITE_TASKS.map((spec) => generateSuiteTask(spec, config))
  const names = (split: 'train' | 'test'): string[] => SUITE_TASKS.filter((s) => s.split === split).map((s) => s.name)
  const categories: Record<string, string[]> = {}
  const tasksByCategory: Record<string, string[]> = {}
  for (const task of tasks) {
    categories[task.name] = task.categories
    for (const category of task.categories) (tasksByCategory[category] ??= []).push(task.name)
  }
  const splits = {
    benchmark: 'TAGI Studio built-in instruction suite',
    generator: { version: SUITE_VERSION, ...config },
    complete: true,
    official: { train: names('train'), test: names('test') },
    included: { train: names('train'), test: names('test') },
    missing: { train: [], test: [] },
    categories,
    tasks_by_category: tasksByCategory,
  }
  return { tasks, splits }
}

/**
 * Write the suite into `outDir` (train/, test/, splits.json), replacing the task files of an earlier
 * generation there; other files (e.g. README.md) are left alone.
 */
export function writeSuite(outDir: string, config: SuiteConfig = DEFAULT_SUITE_CONFIG): { dir: string; train: number; test: number; instances: number } {
  const dir = resolve(outDir)
  const { tasks, splits } = generateSuite(config)
  for (const split of ['train', 'test'] as const) {
    const folder = join(dir, split)
    mkdirSync(folder, { recursive: true })
    for (const file of readdirSync(folder)) if (file.endsWith('.json')) rmSync(join(folder, file))
  }
  const splitOf = new Map(SUITE_TASKS.map((spec) => [spec.name, spec.split]))
  for (const task of tasks) writeFileAtomic(join(dir, splitOf.get(task.name)!, `${task.name}.json`), JSON.stringify(taskToJson(task), null, 2) + '\n')
  writeJsonAtomic(join(dir, 'splits.json'), splits)
  return {
    dir,
    train: tasks.filter((t) => splitOf.get(t.name) === 'train').length,
    test: tasks.filter((t) => splitOf.get(t.name) === 'test').length,
    instances: tasks.reduce((sum, t) => sum + t.instances.length, 0),
  }
}
