/**
 * Tokenized training examples of the supervised stages, built once per stage (tokenizing is the slow part
 * of a batch on the CPU) with the exact SNI prompts of data/prompts.ts:
 *
 *   'full-prompt'  the teacher prompt: definition (+ positive examples) + "Now complete the following example"
 *   'instance'     the student input: the task-input part alone (decisions.md §1 point 8), or definition + input
 *
 * Labels keep every reference; a batch draws one at random per instance (the collator's random.choice).
 */
import { buildInstruction, buildStudentInput, buildTeacherPrompt, promptConfig, type PromptSettingName, type StudentInputMode } from '../data/prompts.ts'
import type { Rng } from '../data/random.ts'
import type { SniTask } from '../data/sni/task.ts'
import { encodeTruncated, tokenCounterFor } from '../eval/model-io.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'

export type SourceKind = 'full-prompt' | 'instance'

export interface PromptOptions {
  setting: PromptSettingName
  maxSourceTokens: number
  maxTargetTokens: number
}

export interface InstanceExample {
  /** Index of the task in the list the examples were built from. */
  task: number
  source: number[]
  targets: number[][]
}

export function sourceText(task: SniTask, input: string, kind: SourceKind, options: PromptOptions, tokenizer: TextTokenizer, studentInput: StudentInputMode = 'input'): string {
  const config = promptConfig(options.setting, { maxSourceTokens: options.maxSourceTokens })
  const counter = tokenCounterFor(tokenizer)
  return kind === 'full-prompt' ? buildTeacherPrompt(task, { input }, config, counter) : buildStudentInput(task, { input }, studentInput, config, counter)
}

/** The hypernetwork's instruction for a task (definition + the setting's positive examples). */
export function instructionText(task: SniTask, options: PromptOptions, tokenizer: TextTokenizer): string {
  return buildInstruction(task, promptConfig(options.setting, { maxSourceTokens: options.maxSourceTokens }), tokenCounterFor(tokenizer))
}

export function buildInstanceExamples(
  tasks: readonly SniTask[],
  kind: SourceKind,
  options: PromptOptions,
  tokenizer: TextTokenizer,
  studentInput: StudentInputMode = 'input',
): InstanceExample[] {
  const examples: InstanceExample[] = []
  tasks.forEach((task, taskIndex) => {
    for (const instance of task.instances) {
      examples.push({
        task: taskIndex,
        source: encodeTruncated(tokenizer, sourceText(task, instance.input, kind, options, tokenizer, studentInput), options.maxSourceTokens),
        targets: instance.output.map((reference) => encodeTruncated(tokenizer, reference, options.maxTargetTokens)),
      })
    }
  })
  if (examples.length === 0) throw new Error('no training instances in the selected tasks')
  return examples
}

/** Rows of a batch: each instance with one of its references drawn from `rng`. */
export function sampleRows(examples: readonly InstanceExample[], indices: readonly number[], rng: Rng): { source: number[]; target: number[] }[] {
  return indices.map((i) => {
    const example = examples[i]!
    return { source: example.source, target: rng.pick(example.targets) }
  })
}
