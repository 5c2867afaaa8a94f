/**
 * One Super-NaturalInstructions task: the in-memory type, validation of a task file, and the normalised
 * JSON written back. Follows the SNI task schema (allenai/natural-instructions `tasks/*.json`, as described in
 * shared/data/sni/README.md): field names are kept, unknown keys are ignored (read leniently, decisions.md §3),
 * and every problem names the file and the key, so a bad file is reported instead of crashing an import.
 */

export interface SniExample {
  input: string
  output: string
  explanation?: string
}

export interface SniInstance {
  id: string
  input: string
  /** Every acceptable reference (SNI allows several; ROUGE-L takes the best). Never empty. */
  output: string[]
}

export interface SniTask {
  /** The task name: the `Task` key, else the file name without `.json` (as SNI loaders do). */
  name: string
  /** `Definition`: a list of strings in SNI; the prompt uses the first (Tk-Instruct collator). */
  definition: string[]
  positiveExamples: SniExample[]
  negativeExamples: SniExample[]
  /** SNI task types; the first is the primary one (teacher LoRA group, evaluation breakdown). */
  categories: string[]
  instances: SniInstance[]
  /** Instances in the source before keeping the first N; null when the source did not say. */
  numInstancesTotal: number | null
  /** Descriptive SNI fields carried through unchanged (Source, URL, Reasoning, Domains, languages, license). */
  meta: Partial<Record<MetaKey, string[]>>
}

const META_KEYS = [
  'Source',
  'URL',
  'Reasoning',
  'Domains',
  'Input_language',
  'Output_language',
  'Instruction_language',
  'Instance License',
] as const
type MetaKey = (typeof META_KEYS)[number]
const LANGUAGE_KEYS = ['Input_language', 'Output_language', 'Instruction_language'] as const

/** A problem that makes a whole task file unusable. */
export class TaskFileError extends Error {}

export interface ParseTaskOptions {
  /** Keep the first N valid instances (file order, as SNI evaluation does with `Instances[:100]`). */
  instancesPerTask: number
  /** Reject tasks whose language fields name anything but English (the paper uses English SNI tasks). */
  requireEnglish: boolean
}

export interface ParsedTask {
  task: SniTask
  /** Instances or references dropped inside an otherwise valid file, each with its reason. */
  issues: string[]
}

type Json = Record<string, unknown>

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `a list of ${value.length}`
  return typeof value === 'string' ? `a string of ${value.length} characters` : typeof value
}

function stringList(value: unknown, key: string): string[] {
  if (typeof value === 'string') return [value]
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TaskFileError(`'${key}' must be a list of strings, found ${describe(value)}`)
  }
  return value as string[]
}

/** Positive/negative examples: SNI writes `output` as a string; a list (rare) keeps its first entry. */
function parseExamples(value: unknown, key: string): SniExample[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new TaskFileError(`'${key}' must be a list, found ${describe(value)}`)
  return value.map((raw, index) => {
    const item = raw as Json
    const output = Array.isArray(item?.output) ? item.output[0] : item?.output
    if (typeof item?.input !== 'string' || typeof output !== 'string') {
      throw new TaskFileError(`'${key}'[${index}] needs string 'input' and 'output'`)
    }
    const example: SniExample = { input: item.input, output }
    if (typeof item.explanation === 'string') example.explanation = item.explanation
    return example
  })
}

function parseInstance(raw: unknown, index: number, taskName: string, issues: string[]): SniInstance | null {
  const item = raw as Json
  const id = typeof item?.id === 'string' ? item.id : `${taskName}-${index}`
  if (typeof item?.input !== 'string') {
    issues.push(`instance ${index} (${id}): 'input' must be a string, found ${describe(item?.input)}; instance dropped`)
    return null
  }
  let outputs: unknown[]
  if (typeof item.output === 'string') outputs = [item.output]
  else if (Array.isArray(item.output)) outputs = item.output
  else {
    issues.push(`instance ${index} (${id}): 'output' missing or not a list, found ${describe(item.output)}; instance dropped`)
    return null
  }
  const references = outputs.filter((o): o is string => typeof o === 'string' && o.trim().length > 0)
  if (references.length === 0) {
    issues.push(`instance ${index} (${id}): empty outputs (no non-empty reference); instance dropped`)
    return null
  }
  if (references.length < outputs.length) {
    issues.push(`instance ${index} (${id}): ${outputs.length - references.length} empty or non-string reference(s) removed`)
  }
  return { id, input: item.input, output: references }
}

/** Validate parsed JSON as an SNI task. Throws TaskFileError naming the key when the file is unusable. */
export function taskFromJson(data: unknown, fallbackName: string, options: ParseTaskOptions): ParsedTask {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TaskFileError(`expected a JSON object with 'Definition' and 'Instances', found ${describe(data)}`)
  }
  const json = data as Json
  const name = typeof json.Task === 'string' && json.Task.trim() ? json.Task.trim() : fallbackName
  if (!('Definition' in json)) throw new TaskFileError(`missing key 'Definition'`)
  const definition = stringList(json.Definition, 'Definition')
  if (definition.length === 0 || !definition[0]!.trim()) throw new TaskFileError(`'Definition' is empty`)
  if (!('Instances' in json)) throw new TaskFileError(`missing key 'Instances'`)
  if (!Array.isArray(json.Instances)) throw new TaskFileError(`'Instances' must be a list, found ${describe(json.Instances)}`)
  if (json.Instances.length === 0) throw new TaskFileError(`'Instances' is empty`)

  const meta: SniTask['meta'] = {}
  for (const key of META_KEYS) if (key in json && json[key] !== null) meta[key] = stringList(json[key], key)
  if (options.requireEnglish) {
    for (const key of LANGUAGE_KEYS) {
      const languages = meta[key]
      if (languages && !languages.every((language) => language === 'English')) {
        throw new TaskFileError(`not an English task: '${key}' is ${JSON.stringify(languages)} (English required)`)
      }
    }
  }
  const categories = 'Categories' in json && json.Categories !== null ? stringList(json.Categories, 'Categories') : []

  const issues: string[] = []
  const instances: SniInstance[] = []
  for (let i = 0; i < json.Instances.length && instances.length < options.instancesPerTask; i++) {
    const instance = parseInstance(json.Instances[i], i, name, issues)
    if (instance) instances.push(instance)
  }
  if (instances.length === 0) throw new TaskFileError(`no valid instance in 'Instances' (${issues[0] ?? ''})`)

  const total = json.num_instances_total
  return {
    task: {
      name,
      definition,
      positiveExamples: parseExamples(json['Positive Examples'], 'Positive Examples'),
      negativeExamples: parseExamples(json['Negative Examples'], 'Negative Examples'),
      categories,
      instances,
      numInstancesTotal: typeof total === 'number' ? total : 'num_instances_total' in json ? null : json.Instances.length,
      meta,
    },
    issues,
  }
}

/** Parse the text of a task file; bad JSON becomes a TaskFileError with the parser's message. */
export function parseTaskText(text: string, fallbackName: string, options: ParseTaskOptions): ParsedTask {
  let data: unknown
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    throw new TaskFileError(`not valid JSON (${(error as Error).message})`)
  }
  return taskFromJson(data, fallbackName, options)
}

/** The normalised SNI JSON of a task (original key names, `output` always a list), as written on import. */
export function taskToJson(task: SniTask): Json {
  const json: Json = { Task: task.name }
  for (const key of META_KEYS) if (task.meta[key]) json[key] = task.meta[key]
  json.Categories = task.categories
  json.Definition = task.definition
  json['Positive Examples'] = task.positiveExamples
  json['Negative Examples'] = task.negativeExamples
  json.num_instances_total = task.numInstancesTotal
  json.Instances = task.instances
  return json
}
