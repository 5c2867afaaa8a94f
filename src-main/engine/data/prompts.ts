/**
 * SNI prompts, exactly as tagi-method.md §5.1: the Tk-Instruct collator (`ni_collator.py` in Tk-Instruct and
 * in TAGI, identical) that builds the teacher's "Definition ... Positive Example ... Now complete the following
 * example" text, its demo admission by token budget and whole-prompt truncation; the hypernetwork's instruction
 * text (the collator's "prefix", §2.3); the student's encoder input (decisions.md §1 point 8); and label
 * sampling. Every string below is character for character the collator's, including its odd spaces
 * (" Positive Example", " Output:") and its `" ".join` in the length check versus `"".join` in the text.
 * Token counts come from a caller-supplied function, so this works with any tokenizer.
 */
import type { Rng } from './random.ts'
import type { SniInstance, SniTask } from './sni/task.ts'

export type PromptSettingName = 'def' | 'def+2pos'

export interface PromptConfig {
  /** Prefix "<task name>. " (add_task_name): off in Tk-Instruct's and TAGI's SNI runs. */
  addTaskName: boolean
  /** "Definition: ..." (add_task_definition): on in both paper settings. */
  addTaskDefinition: boolean
  /** Positive examples offered to the teacher: 2 for "Def + 2 Pos", 0 for "Def". */
  numPosExamples: number
  /** Negative examples: 0 in every TAGI run. */
  numNegExamples: number
  /** Add each example's " Explanation: ..." line: off in both paper settings. */
  addExplanation: boolean
  /** Positive examples in the hypernetwork instruction (s_num_pos_examples); null = numPosExamples. */
  instructionPosExamples: number | null
  /** Token budget (max_source_length; 1024 in the paper); null = no budget, nothing dropped or cut. */
  maxSourceTokens: number | null
}

/** The two SNI settings of the paper (tagi-method.md §5.2). */
export const PROMPT_SETTINGS: Record<PromptSettingName, PromptConfig> = {
  def: { addTaskName: false, addTaskDefinition: true, numPosExamples: 0, numNegExamples: 0, addExplanation: false, instructionPosExamples: null, maxSourceTokens: null },
  'def+2pos': { addTaskName: false, addTaskDefinition: true, numPosExamples: 2, numNegExamples: 0, addExplanation: false, instructionPosExamples: null, maxSourceTokens: null },
}

export function promptConfig(setting: PromptSettingName, overrides: Partial<PromptConfig> = {}): PromptConfig {
  const base = PROMPT_SETTINGS[setting]
  if (!base) throw new Error(`unknown prompt setting '${setting}', expected one of: ${Object.keys(PROMPT_SETTINGS).join(', ')}`)
  const config = { ...base, ...overrides }
  for (const key of ['numPosExamples', 'numNegExamples'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 0) throw new Error(`prompt config: ${key} must be an integer >= 0, found ${config[key]}`)
  }
  if (config.maxSourceTokens !== null && (!Number.isInteger(config.maxSourceTokens) || config.maxSourceTokens < 1)) {
    throw new Error(`prompt config: maxSourceTokens must be a positive integer or null, found ${config.maxSourceTokens}`)
  }
  return config
}

/**
 * What the prompt builder needs from a tokenizer. `countTokens` must count what the encoder would see,
 * EOS included (the collator measures `len(tokenizer(text)["input_ids"])`). `truncateToTokens` should
 * decode the first `maxTokens` ids with special tokens skipped; without it the longest prefix of the text
 * that fits is used instead (identical for tokenizers whose decode reproduces the text).
 */
export interface TokenCounter {
  countTokens(text: string): number
  truncateToTokens?(text: string, maxTokens: number): string
}

/** Python's `str.strip()`: its whitespace set differs from JS `trim()` (e.g. U+FEFF is not whitespace there). */
const PY_WHITESPACE = new Set([...'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000'].concat(
  Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
))

export function pyStrip(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && PY_WHITESPACE.has(text[start]!)) start++
  while (end > start && PY_WHITESPACE.has(text[end - 1]!)) end--
  return text.slice(start, end)
}

/** Python's `string.punctuation`. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')

/** The collator's `if not s[-1] in string.punctuation: s += "."`, applied to the text built so far. */
function closeSentence(text: string): string {
  return PUNCTUATION.has(text.at(-1) ?? '') ? text : text + '.'
}

export interface PromptParts {
  taskName: string
  definition: string
  /** Admitted positive examples, each ending in "\n\n". */
  positives: string[]
  negatives: string[]
  taskInput: string
}

function exampleText(kind: 'Positive' | 'Negative', index: number, example: SniTask['positiveExamples'][number], explain: boolean): string {
  let text = closeSentence(` ${kind} Example ${index + 1} -\nInput: ${pyStrip(example.input)}`) + '\n'
  text = closeSentence(text + ` Output: ${pyStrip(example.output)}`) + '\n'
  if (explain && example.explanation !== undefined) text = closeSentence(text + ` Explanation: ${pyStrip(example.explanation)}`) + '\n'
  return text + '\n'
}

/** "Now complete the following example -\nInput: <x>.\nOutput: " */
export function taskInputText(input: string): string {
  return closeSentence(`Now complete the following example -\nInput: ${pyStrip(input)}`) + '\nOutput: '
}

export function definitionText(task: SniTask, config: PromptConfig): string {
  return config.addTaskDefinition ? closeSentence(`Definition: ${pyStrip(task.definition[0] ?? '')}`) + '\n\n' : ''
}

function needTokenizer(config: PromptConfig, tokenizer: TokenCounter | undefined): TokenCounter | null {
  if (config.maxSourceTokens === null) return null
  if (!tokenizer) throw new Error(`maxSourceTokens is ${config.maxSourceTokens} but no tokenizer was given to count tokens`)
  return tokenizer
}

/**
 * The pieces of a prompt with demo admission: examples are added in order while
 * definition + " ".join(admitted) + candidate + taskInput fits the budget (the collator's check).
 * `taskInput` = "" builds a per-task instruction, which has no instance to make room for.
 */
export function promptParts(task: SniTask, taskInput: string, config: PromptConfig, tokenizer?: TokenCounter): PromptParts {
  const counter = needTokenizer(config, tokenizer)
  const fits = (text: string): boolean => counter === null || counter.countTokens(text) <= config.maxSourceTokens!
  const definition = definitionText(task, config)
  const positives: string[] = []
  for (const [i, example] of task.positiveExamples.slice(0, config.numPosExamples).entries()) {
    const text = exampleText('Positive', i, example, config.addExplanation)
    if (!fits(definition + positives.join(' ') + text + taskInput)) break
    positives.push(text)
  }
  const negatives: string[] = []
  for (const [i, example] of task.negativeExamples.slice(0, config.numNegExamples).entries()) {
    const text = exampleText('Negative', i, example, config.addExplanation)
    if (!fits(definition + positives.join(' ') + negatives.join(' ') + text + taskInput)) break
    negatives.push(text)
  }
  return { taskName: config.addTaskName ? `${task.name}. ` : '', definition, positives, negatives, taskInput }
}

/** Keep the first maxSourceTokens tokens (the collator decodes them back with special tokens skipped). */
function truncate(text: string, config: PromptConfig, tokenizer?: TokenCounter): string {
  const counter = needTokenizer(config, tokenizer)
  if (counter === null) return text
  const max = config.maxSourceTokens!
  if (counter.countTokens(text) <= max) return text
  if (counter.truncateToTokens) return counter.truncateToTokens(text, max)
  let low = 0 // longest prefix known to fit
  let high = text.length // shortest prefix known not to fit
  while (high - low > 1) {
    const mid = (low + high) >> 1
    if (counter.countTokens(text.slice(0, mid)) <= max) low = mid
    else high = mid
  }
  return text.slice(0, low)
}

/** The teacher's encoder input: task name + definition + positives + negatives + task input (§5.1). */
export function buildTeacherPrompt(task: SniTask, instance: Pick<SniInstance, 'input'>, config: PromptConfig, tokenizer?: TokenCounter): string {
  const parts = promptParts(task, taskInputText(instance.input), config, tokenizer)
  const source = parts.taskName + parts.definition + parts.positives.join('') + parts.negatives.join('') + parts.taskInput
  return truncate(source, config, tokenizer)
}

/**
 * The hypernetwork's instruction text (the collator's "prefix", §2.3): task name + definition + the first
 * `instructionPosExamples` positives + negatives. It is built once per task (the paper's inference saving),
 * so demo admission here makes room for no instance input, unlike the collator's per-instance prefix.
 */
export function buildInstruction(task: SniTask, config: PromptConfig, tokenizer?: TokenCounter): string {
  const parts = promptParts(task, '', config, tokenizer)
  const keep = config.instructionPosExamples ?? config.numPosExamples
  const text = parts.taskName + parts.definition + parts.positives.slice(0, keep).join('') + parts.negatives.join('')
  return truncate(text, config, tokenizer)
}

/**
 * 'input' (default, decisions.md §1 point 8): the instance part of the template alone, so the instruction
 * reaches the student only through the generated adapter and fused states. 'definition+input': the code's
 * `custom_model` input, definition + task input.
 */
export type StudentInputMode = 'input' | 'definition+input'

export function buildStudentInput(
  task: SniTask,
  instance: Pick<SniInstance, 'input'>,
  mode: StudentInputMode,
  config: PromptConfig,
  tokenizer?: TokenCounter,
): string {
  const taskInput = taskInputText(instance.input)
  if (mode === 'input') return truncate(taskInput, config, tokenizer)
  if (mode === 'definition+input') return truncate(definitionText(task, config) + taskInput, config, tokenizer)
  throw new Error(`unknown student input mode '${mode as string}', expected 'input' or 'definition+input'`)
}

/** Training label: one reference drawn at random (the collator's `random.choice(output)`). */
export function sampleTrainingLabel(instance: Pick<SniInstance, 'output'>, rng: Rng): string {
  return rng.pick(instance.output)
}

/** Evaluation references: all of them (ROUGE-L keeps the best match). */
export function evaluationReferences(instance: Pick<SniInstance, 'output'>): string[] {
  return instance.output.slice()
}

/** A TokenCounter over any tokenizer with T5 semantics (encode appends EOS; decode can skip special tokens). */
export function tokenCounter(tokenizer: {
  encode(text: string): number[]
  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string
}): TokenCounter {
  return {
    countTokens: (text) => tokenizer.encode(text).length,
    truncateToTokens: (text, maxTokens) => tokenizer.decode(tokenizer.encode(text).slice(0, maxTokens), { skipSpecialTokens: true }),
  }
}
