// The SNI prompt of tagi-method.md §5.1, character for character. Expected strings are written out by hand
// from the template text (not produced by prompts.ts), on real tasks of shared/data/sni/sample.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  buildInstruction,
  buildStudentInput,
  buildTeacherPrompt,
  evaluationReferences,
  promptConfig,
  pyStrip,
  sampleTrainingLabel,
  tokenCounter,
  type TokenCounter,
} from '../../../src-main/engine/data/prompts.ts'
import { Rng } from '../../../src-main/engine/data/random.ts'
import { parseTaskText, type SniTask } from '../../../src-main/engine/data/sni/task.ts'

const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')

interface RawTask {
  Definition: string[]
  'Positive Examples': { input: string; output: string; explanation?: string }[]
  'Negative Examples': { input: string; output: string; explanation?: string }[]
  Instances: { id: string; input: string; output: string[] }[]
}

function sampleFiles(): string[] {
  return ['train', 'test'].flatMap((split) => readdirSync(join(SAMPLE, split)).map((f) => join(SAMPLE, split, f)))
}

function load(file: string): { raw: RawTask; task: SniTask } {
  const text = readFileSync(file, 'utf8')
  return { raw: JSON.parse(text) as RawTask, task: parseTaskText(text, 'x', { instancesPerTask: 1000, requireEnglish: true }).task }
}

// The template's ensure-period rule, restated for the test: add "." unless the last character is ASCII punctuation.
const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'
const period = (s: string): string => (PUNCT.includes(s.slice(-1)) && s.length > 0 ? s : s + '.')

/** A word-count "tokenizer" (+1 for EOS): good enough to exercise the budget logic deterministically. */
const words: TokenCounter = { countTokens: (text) => text.split(/\s+/).filter(Boolean).length + 1 }

describe('SNI teacher prompt (tagi-method.md §5.1)', () => {
  it('renders "Def + 2 Pos" for task1146 instance 0 exactly', () => {
    const { task } = load(join(SAMPLE, 'train/task1146_country_capital.json'))
    const expected =
      'Definition: In this task, you are given a country name and you need to return the capital city of the given country.\n\n' +
      ' Positive Example 1 -\nInput: United States.\n Output: Washington.\n\n' +
      ' Positive Example 2 -\nInput: India.\n Output: New Delhi.\n\n' +
      'Now complete the following example -\nInput: Afghanistan.\nOutput: '
    expect(buildTeacherPrompt(task, task.instances[0]!, promptConfig('def+2pos'))).toBe(expected)
    expect(buildTeacherPrompt(task, task.instances[0]!, promptConfig('def'))).toBe(
      'Definition: In this task, you are given a country name and you need to return the capital city of the given country.\n\n' +
        'Now complete the following example -\nInput: Afghanistan.\nOutput: ',
    )
  })

  it('keeps existing final punctuation (no double period) on task033', () => {
    const { task, raw } = load(join(SAMPLE, 'test/task033_winogrande_answer_generation.json'))
    const prompt = buildTeacherPrompt(task, task.instances[0]!, promptConfig('def+2pos'))
    expect(raw.Definition[0]!.trim().endsWith('.')).toBe(true)
    expect(prompt.startsWith(`Definition: ${raw.Definition[0]!.trim()}\n\n Positive Example 1 -\n`)).toBe(true)
    expect(prompt).toContain('\nInput: The actor ended up fine after falling off the unicycle onto the mat since the _ was wobbly.\nOutput: ')
    expect(prompt).not.toContain('..')
  })

  it('matches the hand-built template on every instance of every sample task, in both settings', () => {
    let checked = 0
    for (const file of sampleFiles()) {
      const { raw, task } = load(file)
      const definition = period('Definition: ' + raw.Definition[0]!.trim()) + '\n\n'
      const positives = raw['Positive Examples'].slice(0, 2).map(
        (ex, i) => period(` Positive Example ${i + 1} -\nInput: ` + ex.input.trim()) + '\n' + period(' Output: ' + ex.output.trim()) + '\n\n',
      )
      raw.Instances.forEach((instance, k) => {
        const taskInput = period('Now complete the following example -\nInput: ' + instance.input.trim()) + '\nOutput: '
        expect(buildTeacherPrompt(task, task.instances[k]!, promptConfig('def+2pos'))).toBe(definition + positives.join('') + taskInput)
        expect(buildTeacherPrompt(task, task.instances[k]!, promptConfig('def'))).toBe(definition + taskInput)
        checked++
      })
    }
    expect(checked).toBe(240)
  })

  it('adds negatives and explanations like the reference collator options', () => {
    const { raw, task } = load(join(SAMPLE, 'test/task033_winogrande_answer_generation.json'))
    const neg = raw['Negative Examples'][0]!
    const prompt = buildTeacherPrompt(task, task.instances[0]!, promptConfig('def+2pos', { numNegExamples: 1, addExplanation: true }))
    const pos1 = raw['Positive Examples'][0]!
    expect(prompt).toContain(
      period(' Positive Example 1 -\nInput: ' + pos1.input.trim()) + '\n' + period(' Output: ' + pos1.output.trim()) + '\n' +
        period(' Explanation: ' + pos1.explanation!.trim()) + '\n\n',
    )
    expect(prompt).toContain(period(' Negative Example 1 -\nInput: ' + neg.input.trim()) + '\n' + period(' Output: ' + neg.output.trim()) + '\n')
    expect(prompt.indexOf(' Negative Example 1')).toBeGreaterThan(prompt.indexOf(' Positive Example 2'))
    expect(buildTeacherPrompt(task, task.instances[0]!, promptConfig('def', { addTaskName: true, addTaskDefinition: false }))).toBe(
      'task033_winogrande_answer_generation. ' + period('Now complete the following example -\nInput: ' + raw.Instances[0]!.input.trim()) + '\nOutput: ',
    )
  })

  it('admits demos by token budget with the collator\'s " ".join check, then truncates', () => {
    const { task } = load(join(SAMPLE, 'train/task1146_country_capital.json'))
    const instance = task.instances[0]!
    const full = buildTeacherPrompt(task, instance, promptConfig('def+2pos'))
    const def = buildTeacherPrompt(task, instance, promptConfig('def'))
    const onePos = buildTeacherPrompt(task, instance, promptConfig('def+2pos', { numPosExamples: 1 }))
    // With an exact budget every demo fits; one token less drops the second; the def-only size drops both.
    expect(buildTeacherPrompt(task, instance, promptConfig('def+2pos', { maxSourceTokens: words.countTokens(full) }), words)).toBe(full)
    expect(buildTeacherPrompt(task, instance, promptConfig('def+2pos', { maxSourceTokens: words.countTokens(full) - 1 }), words)).toBe(onePos)
    expect(buildTeacherPrompt(task, instance, promptConfig('def+2pos', { maxSourceTokens: words.countTokens(def) }), words)).toBe(def)
    // Below the def-only size the whole prompt is cut to the longest prefix that fits.
    const cut = buildTeacherPrompt(task, instance, promptConfig('def', { maxSourceTokens: 6 }), words)
    expect(cut).toBe('Definition: In this task, you ') // 5 words + EOS = 6; one more character would start a 6th word
    const truncating: TokenCounter = { ...words, truncateToTokens: (text, max) => text.split(/\s+/).slice(0, max - 1).join(' ') }
    expect(buildTeacherPrompt(task, instance, promptConfig('def', { maxSourceTokens: 3 }), truncating)).toBe('Definition: In')
    expect(() => buildTeacherPrompt(task, instance, promptConfig('def', { maxSourceTokens: 10 }))).toThrow(/no tokenizer/)
  })

  it('builds the hypernetwork instruction and the student input', () => {
    const { task } = load(join(SAMPLE, 'train/task1146_country_capital.json'))
    const definition = 'Definition: In this task, you are given a country name and you need to return the capital city of the given country.\n\n'
    const pos = ' Positive Example 1 -\nInput: United States.\n Output: Washington.\n\n Positive Example 2 -\nInput: India.\n Output: New Delhi.\n\n'
    expect(buildInstruction(task, promptConfig('def+2pos'))).toBe(definition + pos)
    expect(buildInstruction(task, promptConfig('def'))).toBe(definition)
    expect(buildInstruction(task, promptConfig('def+2pos', { instructionPosExamples: 1 }))).toBe(definition + pos.split('\n\n ')[0] + '\n\n')
    const taskInput = 'Now complete the following example -\nInput: Afghanistan.\nOutput: '
    expect(buildStudentInput(task, task.instances[0]!, 'input', promptConfig('def+2pos'))).toBe(taskInput)
    expect(buildStudentInput(task, task.instances[0]!, 'definition+input', promptConfig('def+2pos'))).toBe(definition + taskInput)
  })

  it('strips like Python and validates settings', () => {
    expect(pyStrip('\u00a0 x \u3000\n')).toBe('x')
    expect(pyStrip('\ufeffx\ufeff')).toBe('\ufeffx\ufeff') // U+FEFF is not whitespace for Python
    expect(() => promptConfig('def', { numPosExamples: -1 })).toThrow(/numPosExamples/)
    expect(() => promptConfig('few' as 'def')).toThrow(/unknown prompt setting 'few'/)
  })

  it('samples one training label reproducibly and keeps all references for evaluation', () => {
    const instance = { output: ['a', 'b', 'c'] }
    const draws = (seed: number): string[] => {
      const rng = new Rng(seed)
      return Array.from({ length: 30 }, () => sampleTrainingLabel(instance, rng))
    }
    expect(draws(7)).toEqual(draws(7))
    expect(new Set(draws(7))).toEqual(new Set(['a', 'b', 'c']))
    expect(evaluationReferences(instance)).toEqual(['a', 'b', 'c'])
  })

  it('adapts an encode/decode tokenizer (EOS counted, decode of the first ids)', () => {
    const vocab = ['<pad>', '</s>', 'a', 'b', 'c']
    const tokenizer = {
      encode: (text: string) => [...text.split(' ').map((w) => vocab.indexOf(w)), 1],
      decode: (ids: number[], opts?: { skipSpecialTokens?: boolean }) =>
        ids.filter((id) => !(opts?.skipSpecialTokens && id < 2)).map((id) => vocab[id]).join(' '),
    }
    const counter = tokenCounter(tokenizer)
    expect(counter.countTokens('a b c')).toBe(4)
    expect(counter.truncateToTokens!('a b c', 2)).toBe('a b')
  })
})
