/**
 * Stage (f): the comparison of tagi-method.md §7.1 / §10.1 item 12 on one dataset, each method scored with
 * SNI's ROUGE-L and exact match (eval/runner.ts, one 'eval' run per method and split):
 *
 *   backbone    the backbone alone, reading the instance input only (No-FT)
 *   metatrain   the meta-trained model reading the full prompt (the Tk-Instruct analogue; the cost baseline)
 *   teacher     backbone + the LoRA of the task's group, full prompt: an upper bound where the group was seen
 *   tagi        backbone + the adapter generated from the instruction alone, instance input + fused states
 *
 * Inference cost per method: wall time and estimated FLOPs per 100 instances, relative to `metatrain`.
 */
import { z } from 'zod'
import type { StudentInputMode } from '../data/prompts.ts'
import type { SniTask } from '../data/sni/task.ts'
import { staticAdapterSource, type AdapterSource } from '../eval/conditioning.ts'
import { runEvaluation } from '../eval/runner.ts'
import { evalTasksFromSni, T5Predictor, type EvalInputMode } from '../eval/t5-predictor.ts'
import { defineJobKind, type JobContext } from '../jobs/job-kind.ts'
import { hyperAdapterSource } from '../models/hyper/index.ts'
import type { T5Model } from '../models/t5/index.ts'
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.ts'
import { Workspace } from '../store/workspace.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'
import { loadRunModel, openStageRun, resolveDataset, SUITE_DATASET, taskGroup, type StageResult } from './common.ts'
import { instructionText, type PromptOptions } from './examples.ts'
import { loadHyperRun } from './hyper-run.ts'
import { PromptSchema } from './metatrain.ts'
import { formatComparison, type MethodScore } from './comparison.ts'
import { loadTeachers } from './teacher-bank.ts'

export const EvaluateParams = z.strictObject({
  dataset: z.string().default(SUITE_DATASET).describe('Dataset to evaluate on: \'suite\', a workspace dataset id, or a folder path.'),
  instancesPerTask: z.number().int().positive().default(100).describe('Held-out instances scored per test task (SNI evaluates the first 100).'),
  trainInstancesPerTask: z.number().int().nonnegative().default(20).describe('Instances per training task for the seen-task score; fewer, since these were trained on.'),
  backbone: z.string().min(1).describe('Backbone run id (its frozen T5 is the base of every method).'),
  metatrain: z.string().nullable().default(null).describe('Meta-train run id for the full-prompt baseline; null skips that row.'),
  teachers: z.array(z.string()).default([]).describe('Teacher LoRA run ids (one per group) for the teacher rows; empty skips them.'),
  hypers: z.record(z.string(), z.string()).default({}).describe('Hypernetwork runs by label: \'tagi\' is the full method, ablations add their own labels.'),
  prompt: PromptSchema.default({ setting: 'def+2pos', maxSourceTokens: 160, maxTargetTokens: 32 }).describe('Prompt setting and token caps of the full-prompt methods.'),
  // Outputs of the suite are a few words; SNI's answers are longer (its evaluation allows 128).
  maxNewTokens: z.number().int().positive().default(32).describe('Greedy decoding length cap; the suite\'s answers are a few words (SNI allows 128).'),
  batchSize: z.number().int().positive().default(32).describe('Instances decoded together.'),
  name: z.string().nullable().default(null).describe('Display name of the run; null names it after the stage.'),
})
export type EvaluateParams = z.output<typeof EvaluateParams>

export const COMPARISON_FILE = 'comparison.json'

interface Method {
  key: string
  label: string
  model: T5Model
  input: EvalInputMode
  /** What the encoder reads in 'instance' mode: a hypernetwork run's training choice, else the input alone. */
  studentInput?: StudentInputMode
  prompt: PromptOptions
  source?: AdapterSource<SniTask>
  /** Tasks this method can answer (the teacher needs a LoRA of the task's group). */
  covers?: (task: SniTask) => boolean
  evalRunParents: Record<string, string | string[]>
}

export async function runEvaluateStage(params: EvaluateParams, ctx: JobContext, onRun?: (runId: string) => void): Promise<StageResult> {
  const workspace = new Workspace(ctx.workspaceDir)
  const { name, ...config } = params
  const data = await resolveDataset(workspace, params.dataset, Math.max(params.instancesPerTask, params.trainInstancesPerTask, 1))
  const parents: Record<string, string | string[]> = { dataset: data.ref, backbone: params.backbone, teachers: params.teachers, hypers: Object.values(params.hypers) }
  if (params.metatrain) parents.metatrain = params.metatrain
  const run = openStageRun(workspace, { stage: 'evaluate', config, parents, name: name ?? undefined })
  onRun?.(run.id)
  run.update({ status: 'running' })
  const disposers: (() => void)[] = []
  try {
    const backbone = await loadRunModel(workspace, params.backbone, ['backbone'])
    disposers.push(() => backbone.model.dispose())
    const tokenizer: TextTokenizer = backbone.tokenizer
    const methods: Method[] = [
      { key: 'backbone', label: 'backbone alone (input only)', model: backbone.model, input: 'instance', prompt: params.prompt, evalRunParents: { backbone: params.backbone } },
    ]
    if (params.metatrain) {
      const meta = await loadRunModel(workspace, params.metatrain, ['metatrain'])
      disposers.push(() => meta.model.dispose())
      methods.push({ key: 'metatrain', label: 'meta-train (full prompt)', model: meta.model, input: 'full-prompt', prompt: params.prompt, evalRunParents: { metatrain: params.metatrain } })
    }
    if (params.teachers.length) {
      const bank = loadTeachers(workspace, params.teachers, backbone.model.config)
      disposers.push(() => bank.dispose())
      methods.push({
        key: 'teacher',
        label: "teacher LoRA of the task's group (full prompt)",
        model: backbone.model,
        input: 'full-prompt',
        prompt: params.prompt,
        covers: (task) => bank.groupIndex(task) >= 0,
        source: { adapterForTask: (task) => staticAdapterSource(bank.adapter(bank.groupIndex(task))).adapterForTask(task) },
        evalRunParents: { backbone: params.backbone, teachers: params.teachers },
      })
    }
    for (const [key, runId] of Object.entries(params.hypers)) {
      const h = await loadHyperRun(workspace, runId)
      disposers.push(() => h.dispose())
      methods.push({
        key,
        label: key === 'tagi' ? 'TAGI (adapter from the instruction)' : `TAGI ${key}`,
        model: h.model,
        input: 'instance',
        prompt: h.prompt,
        studentInput: h.studentInput,
        source: hyperAdapterSource({ hyper: h.hyper, model: h.model, tokenizer: h.tokenizer, instructionOf: (task: SniTask) => instructionText(task, h.prompt, h.tokenizer), maxInstructionTokens: h.prompt.maxSourceTokens }),
        evalRunParents: { hyper: runId, backbone: h.backbone },
      })
    }
    const splits = [
      { split: 'test' as const, tasks: data.test, instances: params.instancesPerTask },
      ...(params.trainInstancesPerTask > 0 ? [{ split: 'train' as const, tasks: data.train, instances: params.trainInstancesPerTask }] : []),
    ].filter((s) => s.tasks.length > 0)
    const scores: MethodScore[] = []
    const total = methods.length * splits.length
    for (const method of methods) {
      for (const { split, tasks, instances } of splits) {
        await ctx.yieldAndCheck()
        const covered = tasks.filter((task) => method.covers?.(task) ?? true)
        if (covered.length === 0) {
          scores.push({ method: method.key, label: method.label, split, tasks: 0, taskCount: tasks.length, instances: 0, rougeL: null, exactMatch: null, wallSeconds: 0, flops: 0, evalRun: null })
          continue
        }
        const predictor = new T5Predictor(
          method.model,
          tokenizer,
          { input: method.input, studentInput: method.studentInput ?? 'input', setting: method.prompt.setting, maxSourceTokens: method.prompt.maxSourceTokens, maxNewTokens: params.maxNewTokens, batchSize: params.batchSize },
          method.source,
        )
        const report = await runEvaluation({
          workspace,
          tasks: evalTasksFromSni(covered, instances),
          predictor,
          name: `eval ${method.key} ${split}`,
          config: { method: method.key, split, dataset: data.ref, instancesPerTask: instances, ...predictor.config },
          parents: { dataset: data.ref, evaluate: run.id, ...method.evalRunParents },
        })
        const o = report.overall
        scores.push({ method: method.key, label: method.label, split, tasks: o.tasks, taskCount: tasks.length, instances: o.instances, rougeL: o.rougeL, exactMatch: o.exactMatch, wallSeconds: o.wallSeconds, flops: o.flops, evalRun: report.runId })
        ctx.progress({ step: scores.length, total, message: `${method.key} on ${split}: ROUGE-L ${o.rougeL.toFixed(1)}`, metrics: { rougeL: o.rougeL } })
        ctx.log(`${method.key} ${split}: ROUGE-L ${o.rougeL.toFixed(2)}, EM ${o.exactMatch.toFixed(2)} over ${o.instances} instances, ${o.wallSeconds.toFixed(1)} s`)
      }
    }
    const comparison = { dataset: data.ref, groups: Object.fromEntries(data.test.map((t) => [t.name, taskGroup(t)])), scores }
    writeJsonAtomic(run.path(COMPARISON_FILE), comparison)
    writeFileAtomic(run.path('comparison.txt'), formatComparison(scores) + '\n')
    run.update({ status: 'completed', summary: { scores } })
    return { runId: run.id, stage: 'evaluate', summary: { scores } }
  } catch (error) {
    run.update({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
    throw error
  } finally {
    for (const dispose of disposers.reverse()) dispose()
  }
}

export const evaluateJob = defineJobKind({
  kind: 'tagi-evaluate',
  title: 'Evaluate and compare',
  description: "Score the backbone alone, the meta-trained model, the group's teacher LoRA and TAGI's generated adapters on held-out and training tasks, with inference cost.",
  params: EvaluateParams,
  run: (params, ctx) => runEvaluateStage(params, ctx),
})
