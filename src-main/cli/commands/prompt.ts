/**
 * `tagi prompt TASK_FILE --instance K`: print the exact SNI teacher prompt (tagi-method.md §5.1) of one
 * instance of a task file, or with --json every text the pipeline derives from it (teacher prompt,
 * hypernetwork instruction, student input, references). Without --max-source-tokens there is no token budget,
 * so no tokenizer is needed.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { Command } from 'commander'
import {
  buildInstruction,
  buildStudentInput,
  buildTeacherPrompt,
  evaluationReferences,
  promptConfig,
  tokenCounter,
  type PromptSettingName,
  type StudentInputMode,
  type TokenCounter,
} from '../../engine/data/prompts.ts'
import { parseTaskText } from '../../engine/data/sni/task.ts'
import { loadTokenizer } from '../../engine/tokenizers/index.ts'

interface PromptOptions {
  instance: string
  setting: string
  pos?: string
  neg?: string
  explanation?: boolean
  taskName?: boolean
  student: string
  maxSourceTokens?: string
  tokenizer?: string
  json?: boolean
}

function nonNegativeInt(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be an integer >= 0, found '${value}'`)
  return n
}

export function register(program: Command): void {
  program
    .command('prompt')
    .description('print the exact SNI teacher prompt of one instance of a task file (tagi-method.md §5.1)')
    .argument('<task-file>', 'an SNI task JSON file')
    .requiredOption('--instance <k>', 'instance index (0-based) or instance id')
    .option('--setting <setting>', "'def' or 'def+2pos'", 'def+2pos')
    .option('--pos <n>', 'positive examples (overrides the setting)')
    .option('--neg <n>', 'negative examples (default 0)')
    .option('--explanation', 'add the examples\' explanations')
    .option('--task-name', 'prefix the task name')
    .option('--student <mode>', "student input for --json: 'input' or 'definition+input'", 'input')
    .option('--max-source-tokens <n>', 'token budget for demo admission and truncation (needs --tokenizer)')
    .option('--tokenizer <path>', 'tokenizer.json (or a folder holding one) to count tokens with')
    .option('--json', 'print {task, instance, teacherPrompt, instruction, studentInput, references} as JSON')
    .action(async (file: string, options: PromptOptions) => {
      if (options.setting !== 'def' && options.setting !== 'def+2pos') throw new Error(`--setting must be 'def' or 'def+2pos', found '${options.setting}'`)
      if (options.student !== 'input' && options.student !== 'definition+input') {
        throw new Error(`--student must be 'input' or 'definition+input', found '${options.student}'`)
      }
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (error) {
        throw new Error(`cannot read ${file} (${(error as Error).message})`)
      }
      let task
      try {
        task = parseTaskText(text, basename(file, '.json'), { instancesPerTask: Number.MAX_SAFE_INTEGER, requireEnglish: false }).task
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`)
      }
      const byIndex = /^\d+$/.test(options.instance) ? task.instances[Number(options.instance)] : undefined
      const instance = byIndex ?? task.instances.find((i) => i.id === options.instance)
      if (!instance) throw new Error(`${file}: no instance '${options.instance}' (the task has ${task.instances.length} valid instances, indices 0-${task.instances.length - 1})`)

      const maxSourceTokens = options.maxSourceTokens === undefined ? null : nonNegativeInt(options.maxSourceTokens, '--max-source-tokens')
      let counter: TokenCounter | undefined
      if (maxSourceTokens !== null) {
        if (!options.tokenizer) throw new Error('--max-source-tokens needs --tokenizer <tokenizer.json> to count tokens')
        counter = tokenCounter(await loadTokenizer(options.tokenizer))
      }
      const config = promptConfig(options.setting as PromptSettingName, {
        ...(options.pos !== undefined ? { numPosExamples: nonNegativeInt(options.pos, '--pos') } : {}),
        ...(options.neg !== undefined ? { numNegExamples: nonNegativeInt(options.neg, '--neg') } : {}),
        addExplanation: Boolean(options.explanation),
        addTaskName: Boolean(options.taskName),
        maxSourceTokens,
      })
      const teacherPrompt = buildTeacherPrompt(task, instance, config, counter)
      if (!options.json) {
        // The prompt ends in "Output: " exactly; a newline is added only for a terminal's sake.
        process.stdout.write(teacherPrompt + (process.stdout.isTTY ? '\n' : ''))
        return
      }
      const result = {
        task: task.name,
        instance: { id: instance.id, input: instance.input },
        config,
        teacherPrompt,
        instruction: buildInstruction(task, config, counter),
        studentInput: buildStudentInput(task, instance, options.student as StudentInputMode, config, counter),
        references: evaluationReferences(instance),
      }
      process.stdout.write(JSON.stringify(result, null, 2) + '\n')
    })
}
