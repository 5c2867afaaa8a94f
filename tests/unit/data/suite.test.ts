// The built-in instruction suite: deterministic from its seed, committed files up to date, valid SNI tasks
// that the loader reads without a single skip, and small enough for a tiny T5 on a CPU.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_SUITE_CONFIG, writeSuite } from '../../../src-main/engine/data/suite/generate.ts'
import { SUITE_TASKS } from '../../../src-main/engine/data/suite/tasks.ts'
import { loadDataset, tasksOf } from '../../../src-main/engine/data/sni/loader.ts'
import { INSTRUCTION_SUITE_DIR } from '../../../src-main/engine/data/index.ts'

const temp = mkdtempSync(join(tmpdir(), 'tagi-suite-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

/** Every .json file under dir, path -> content. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.json')) files.set(relative(dir, path), readFileSync(path, 'utf8'))
    }
  }
  walk(dir)
  return files
}

describe('instruction suite', () => {
  it('is byte-identical for the same seed and differs for another', () => {
    writeSuite(join(temp, 'a'), { ...DEFAULT_SUITE_CONFIG, seed: 7 })
    writeSuite(join(temp, 'b'), { ...DEFAULT_SUITE_CONFIG, seed: 7 })
    writeSuite(join(temp, 'c'), { ...DEFAULT_SUITE_CONFIG, seed: 8 })
    const a = snapshot(join(temp, 'a'))
    expect(a.size).toBe(SUITE_TASKS.length + 1)
    expect(snapshot(join(temp, 'b'))).toEqual(a)
    expect(snapshot(join(temp, 'c')).get('train/tagi001_reverse_words.json')).not.toBe(a.get('train/tagi001_reverse_words.json'))
  })

  it('matches the committed copy in resources/instruction-suite (regenerate with `tagi suite generate`)', () => {
    expect(resolve(INSTRUCTION_SUITE_DIR)).toBe(resolve(__dirname, '../../../resources/instruction-suite'))
    writeSuite(join(temp, 'default'))
    expect(snapshot(INSTRUCTION_SUITE_DIR)).toEqual(snapshot(join(temp, 'default')))
    let bytes = 0
    for (const [file] of snapshot(INSTRUCTION_SUITE_DIR)) bytes += statSync(join(INSTRUCTION_SUITE_DIR, file)).size
    expect(bytes).toBeLessThan(2_000_000)
  })

  it('loads as valid English SNI tasks with a train/test split and categories', async () => {
    const dataset = await loadDataset(INSTRUCTION_SUITE_DIR)
    expect(dataset.skipped).toEqual([])
    expect(dataset.issues).toEqual([])
    const train = tasksOf(dataset, 'train')
    const test = tasksOf(dataset, 'test')
    expect(train.length).toBeGreaterThanOrEqual(18)
    expect(test.length).toBeGreaterThanOrEqual(6)
    const trainCategories = new Set(train.map((t) => t.categories[0]))
    expect(trainCategories.size).toBe(6)
    for (const category of trainCategories) expect(train.filter((t) => t.categories[0] === category).length).toBeGreaterThanOrEqual(3)
    for (const task of test) for (const c of task.categories) expect(trainCategories.has(c)).toBe(true)
    const trainDefinitions = new Set(train.map((t) => t.definition[0]))
    for (const task of dataset.tasks) {
      expect(task.meta.Input_language).toEqual(['English'])
      expect(task.positiveExamples).toHaveLength(2)
      expect(task.instances).toHaveLength(train.includes(task) ? 100 : 50)
      if (test.includes(task)) expect(trainDefinitions.has(task.definition[0])).toBe(false)
      const demoInputs = new Set(task.positiveExamples.map((e) => e.input))
      for (const instance of task.instances) {
        expect(instance.input.split(' ').length).toBeLessThanOrEqual(12)
        expect(instance.output[0]!.split(' ').length).toBeLessThanOrEqual(12)
        expect(demoInputs.has(instance.input)).toBe(false)
      }
    }
  })

  it('labels every instance by its stated rule, with balanced yes/no answers', async () => {
    const dataset = await loadDataset(INSTRUCTION_SUITE_DIR)
    for (const spec of SUITE_TASKS) {
      const task = dataset.tasks.find((t) => t.name === spec.name)!
      for (const instance of task.instances) expect(instance.output).toEqual([spec.solve(instance.input.split(' '))])
      for (const example of task.positiveExamples) expect(example.output).toBe(spec.solve(example.input.split(' ')))
      expect(task.negativeExamples[0]!.output).not.toBe(spec.solve(task.negativeExamples[0]!.input.split(' ')))
      const outputs = task.instances.map((i) => i.output[0])
      if (outputs.every((o) => o === 'yes' || o === 'no')) {
        const yes = outputs.filter((o) => o === 'yes').length / outputs.length
        expect(yes).toBeGreaterThan(0.3)
        expect(yes).toBeLessThan(0.7)
      }
    }
    // Spot checks written out by hand: the rules say what their definitions say.
    const solve = (name: string, input: string): string => SUITE_TASKS.find((s) => s.name === name)!.solve(input.split(' '))
    expect(solve('tagi101_reverse_then_uppercase', 'red cat sun')).toBe('SUN CAT RED')
    expect(solve('tagi108_remove_colors_then_reverse', 'red cat blue sun')).toBe('sun cat')
    expect(solve('tagi020_remove_repeats', 'cat dog cat sun dog')).toBe('cat dog sun')
    expect(solve('tagi010_longest_word', 'cat horse apple')).toBe('horse')
    expect(solve('tagi016_word_kind', 'seven')).toBe('number')
    expect(solve('tagi103_count_animals', 'cat red dog pie')).toBe('2')
  })
})
