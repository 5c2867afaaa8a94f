/**
 * `tagi eval`: evaluate a T5 (alone, with a static LoRA, or reading the full prompt) on a folder of SNI task
 * files with SNI's ROUGE-L and exact match. Writes a run with stage 'eval' to the workspace
 * (predictions.jsonl, scores.json, scores.csv, per_category.csv) and prints a per-task / per-category /
 * overall table with wall time and estimated FLOPs.
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { initBackend } from '../../engine/backend/index.ts'
import { PROMPT_SETTINGS, type PromptSettingName } from '../../engine/data/prompts.ts'
import { loadDataset, tasksOf } from '../../engine/data/sni/loader.ts'
import {
  EVAL_INPUT_MODES,
  evalTasksFromSni,
  formatReportTable,
  runEvaluation,
  staticAdapterSource,
  T5Predictor,
  type EvalInputMode,
} from '../../engine/eval/index.ts'
import { PeftAdapter } from '../../engine/models/lora/index.ts'
import { T5Model } from '../../engine/models/t5/index.ts'
import { writeJsonAtomic } from '../../engine/store/atomic.ts'
import { defaultWorkspaceDir, Workspace } from '../../engine/store/workspace.ts'
import { loadTokenizer } from '../../engine/tokenizers/index.ts'
import type { SniTask } from '../../engine/data/sni/task.ts'
import { hyperAdapterSource } from '../../engine/models/hyper/index.ts'
import { instructionText, loadHyperRun } from '../../engine/stages/index.ts'

const SPLITS = ['train', 'test', 'all'] as const
type SplitChoice = (typeof SPLITS)[number]

interface EvalOptions {
  model?: string
  hyper?: string
  tokenizer?: string
  adapter?: string
  setting: string
  input: string
  tasks: string
  split: string
  instances: string
  maxNewTokens: string
  maxSourceTokens: string
  batchSize: string
  json?: string
  name?: string
  workspace?: string
}

function positiveInt(value: string, option: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1) throw new Error(`${option} expects a positive integer, got '${value}'`)
  return n
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if (!allowed.includes(value as T)) throw new Error(`${option} expects one of ${allowed.join(', ')}, got '${value}'`)
  return value as T
}

export function register(program: Command): void {
  program
    .command('eval')
    .description("evaluate a T5 on SNI task files with SNI's ROUGE-L and exact match; writes an 'eval' run and prints a table")
    .option('--model <dir>', 'T5 folder (config.json + model.safetensors, and tokenizer.json unless --tokenizer); required unless --hyper')
    .option('--hyper <run>', "TAGI: a hypernetwork run of the workspace; each task's adapter is generated from its instruction, the input is the instance alone, and the model, tokenizer and prompt setting come from the run")
    .option('--tokenizer <path>', 'tokenizer.json or a folder holding one (default: the model folder)')
    .option('--adapter <dir>', 'static PEFT LoRA adapter applied to every task (e.g. a teacher LoRA)')
    .option('--setting <name>', `prompt setting: ${Object.keys(PROMPT_SETTINGS).join(' | ')}`, 'def')
    .option('--input <mode>', `encoder input: ${EVAL_INPUT_MODES.join(' | ')} (instance = the task-input part alone)`, 'full-prompt')
    .requiredOption('--tasks <dir>', 'folder of SNI task files (natural-instructions clone, train/ + test/ folders, or plain)')
    .option('--split <split>', `tasks to evaluate: ${SPLITS.join(' | ')} (a folder without a split is evaluated whole)`, 'test')
    .option('--instances <n>', 'instances per task, first by file order (SNI evaluates the first 100)', '100')
    .option('--max-new-tokens <n>', 'generation limit per instance, EOS included', '128')
    .option('--max-source-tokens <n>', 'encoder input limit (prompt demos admitted and text truncated to fit)', '1024')
    .option('--batch-size <n>', 'instances generated together', '16')
    .option('--json <file>', 'also write the report (overall, per-task and per-category scores, run id) as JSON to this file')
    .option('--name <name>', 'name of the eval run')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE, else the user data folder)')
    .action(async (opts: EvalOptions, command: Command) => {
      const setting = oneOf(opts.setting, Object.keys(PROMPT_SETTINGS) as PromptSettingName[], '--setting')
      const input = oneOf(opts.input, EVAL_INPUT_MODES, '--input') as EvalInputMode
      let split: SplitChoice = oneOf(opts.split, SPLITS, '--split')
      const instances = positiveInt(opts.instances, '--instances')
      const predictorConfig = {
        input,
        setting,
        maxNewTokens: positiveInt(opts.maxNewTokens, '--max-new-tokens'),
        maxSourceTokens: positiveInt(opts.maxSourceTokens, '--max-source-tokens'),
        batchSize: positiveInt(opts.batchSize, '--batch-size'),
      }
      const workspace = new Workspace(opts.workspace ?? process.env.TAGI_WORKSPACE ?? defaultWorkspaceDir())

      const dataset = await loadDataset(opts.tasks, { instancesPerTask: instances })
      for (const skipped of dataset.skipped) process.stderr.write(`tagi eval: skipped ${skipped.file}: ${skipped.reason}\n`)
      // A plain folder has no split: evaluate all of it unless a split was asked for explicitly.
      if (!dataset.splits && command.getOptionValueSource('split') === 'default') split = 'all'
      const tasks = evalTasksFromSni(tasksOf(dataset, split), instances)
      if (tasks.length === 0) throw new Error(`no ${split === 'all' ? '' : `${split} `}tasks found in ${opts.tasks}`)

      const backend = await initBackend()
      if (opts.hyper) {
        if (opts.model || opts.adapter) throw new Error('--hyper brings its own model and adapters: drop --model and --adapter')
        const hyperRun = await loadHyperRun(workspace, opts.hyper)
        const predictor = new T5Predictor(
          hyperRun.model,
          hyperRun.tokenizer,
          { ...predictorConfig, input: 'instance', studentInput: hyperRun.studentInput, setting: hyperRun.prompt.setting },
          hyperAdapterSource({
            hyper: hyperRun.hyper,
            model: hyperRun.model,
            tokenizer: hyperRun.tokenizer,
            instructionOf: (task: SniTask) => instructionText(task, hyperRun.prompt, hyperRun.tokenizer),
            maxInstructionTokens: hyperRun.prompt.maxSourceTokens,
          }),
        )
        const report = await runEvaluation({
          workspace,
          tasks,
          predictor,
          name: opts.name,
          parents: { hyper: opts.hyper, backbone: hyperRun.backbone },
          config: { hyper: opts.hyper, tasks: resolve(opts.tasks), split, instancesPerTask: instances, ...predictor.config, backend: backend.label },
          onTask: (score, index, total) =>
            process.stderr.write(`[${index + 1}/${total}] ${score.task}: rougeL ${score.rougeL.toFixed(2)}, EM ${score.exactMatch.toFixed(2)}, ${score.wallSeconds.toFixed(1)} s\n`),
        })
        hyperRun.dispose()
        if (opts.json) writeJsonAtomic(resolve(opts.json), report)
        process.stdout.write(`${formatReportTable(report)}\n\nrun ${report.runId}: ${report.runDir}\n`)
        return
      }
      if (!opts.model) throw new Error('--model <dir> is required (or --hyper <run> for a TAGI hypernetwork)')
      const model = await T5Model.load(opts.model)
      const tokenizer = await loadTokenizer(opts.tokenizer ?? opts.model)
      if (tokenizer.vocabSize > model.config.vocabSize) {
        throw new Error(`tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${model.config.vocabSize}`)
      }
      let adapter: PeftAdapter | undefined
      if (opts.adapter) {
        adapter = PeftAdapter.load(opts.adapter)
        adapter.checkAgainst(model.config)
      }
      const predictor = new T5Predictor(model, tokenizer, predictorConfig, adapter ? staticAdapterSource(adapter) : undefined)

      const report = await runEvaluation({
        workspace,
        tasks,
        predictor,
        name: opts.name,
        config: {
          model: resolve(opts.model!),
          tokenizer: resolve(opts.tokenizer ?? opts.model),
          adapter: opts.adapter ? resolve(opts.adapter) : null,
          tasks: resolve(opts.tasks),
          split,
          instancesPerTask: instances,
          ...predictor.config,
          backend: backend.label,
        },
        onTask: (score, index, total) =>
          process.stderr.write(
            `[${index + 1}/${total}] ${score.task}: rougeL ${score.rougeL.toFixed(2)}, EM ${score.exactMatch.toFixed(2)}, ${score.wallSeconds.toFixed(1)} s\n`,
          ),
      })
      model.dispose()
      adapter?.dispose()
      if (opts.json) writeJsonAtomic(resolve(opts.json), report)
      process.stdout.write(`${formatReportTable(report)}\n\nrun ${report.runId}: ${report.runDir}\n`)
    })
}
