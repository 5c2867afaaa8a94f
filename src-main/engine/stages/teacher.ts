/**
 * Stage (c): one teacher LoRA per task group (tagi-method.md §3.1): the frozen backbone + a PEFT LoRA trained
 * on the group's instances with the full prompt. PEFT semantics: lora_alpha = 2r (scaling 2), A
 * kaiming-uniform, B = 0, so training starts from the backbone itself. The group is the SNI primary category
 * (on the built-in suite, each of its task families). Its q/v factors are the targets of parameter
 * alignment, and backbone + LoRA reading the full prompt is the KL teacher (decisions.md §1 point 4).
 */
import { z } from 'zod'
import { tf } from '../backend/index.ts'
import { defineJobKind, type JobContext } from '../jobs/job-kind.ts'
import { PeftAdapter, type LoraSet, type LoraTarget, type PeftAdapterConfig } from '../models/lora/index.ts'
import type { T5Config } from '../models/t5/index.ts'
import { Workspace } from '../store/workspace.ts'
import { loadRunModel, beginStageRun, resolveDataset, SUITE_DATASET, taskGroup, trainingConfig, TrainingSchema, type StageResult } from './common.ts'
import { PromptSchema } from './metatrain.ts'
import { trainSupervised } from './supervised.ts'

/** The folder inside a teacher run that holds its PEFT adapter. */
export const ADAPTER_DIR = 'adapter'

export const TeacherParams = z.strictObject({
  backbone: z.string().min(1).describe('Backbone run id the LoRA is trained on (kept frozen).'),
  dataset: z.string().default(SUITE_DATASET).describe('Dataset to train on: \'suite\', a workspace dataset id, or a folder path.'),
  group: z.string().min(1).describe('Task group (primary SNI category) whose instances train this LoRA.'),
  instancesPerTask: z.number().int().positive().default(100).describe('Instances per task of the group (paper: 100).'),
  // r = 4 for the tiny preset (tagi-method.md §10.2); the paper uses 32 on T5-Base.
  rank: z.number().int().positive().default(4).describe('LoRA rank r; 4 for the tiny preset (the paper uses 32 on T5-Base).'),
  alpha: z.number().positive().nullable().default(null).describe('lora_alpha; null = 2r as in the paper\'s PEFT runs.'),
  loraDropout: z.number().min(0).lt(1).default(0.05).describe('PEFT lora_dropout on the LoRA input while training; 0.05 as the paper\'s teacher runs (tagi-method §3.1), 0 turns it off.'),
  targets: z.array(z.enum(['q', 'k', 'v', 'o', 'wi', 'wi_0', 'wi_1', 'wo'])).min(1).default(['q', 'v']).describe('Modules that get a LoRA; q and v everywhere are the ones the hypernetwork generates, hence the ones alignment compares.'),
  prompt: PromptSchema.default({ setting: 'def+2pos', maxSourceTokens: 160, maxTargetTokens: 32 }).describe('Prompt setting and token caps (the teacher reads the full prompt).'),
  training: TrainingSchema.default({ steps: 100, batchSize: 16, learningRate: 3e-3, warmupFraction: 0.02, decay: 'constant', checkpointEvery: 50, seed: 42 }).describe('Optimiser steps, batch size, learning rate, schedule, checkpoint interval and seed.'),
  resume: z.string().nullable().default(null).describe('Run id to resume from its last checkpoint; null starts a new run.'),
  name: z.string().nullable().default(null).describe('Display name of the run; null names it after the stage.'),
})
export type TeacherParams = z.output<typeof TeacherParams>

/** A fresh PEFT LoRA as trainable variables (`<module>.lora_A` / `.lora_B`) and the static adapters that read them. */
export function teacherLora(
  config: T5Config,
  options: Parameters<typeof PeftAdapter.init>[1],
): { trainable: Map<string, tf.Variable>; adapters: LoraSet; adapterConfig: PeftAdapterConfig } {
  const init = PeftAdapter.init(config, options)
  // The factors become variables (the trainer updates them in place); PEFT's tensors are then released.
  const trainable = new Map<string, tf.Variable>()
  const adapters: LoraSet = new Map()
  for (const [id, { A, B }] of init.modules) {
    const a = tf.variable(A, true)
    const b = tf.variable(B, true)
    trainable.set(`${id}.lora_A`, a)
    trainable.set(`${id}.lora_B`, b)
    adapters.set(id, { kind: 'static', A: a as unknown as tf.Tensor2D, B: b as unknown as tf.Tensor2D, scale: init.scale, dropout: init.config.lora_dropout ?? 0 })
  }
  const adapterConfig = init.config
  init.dispose()
  return { trainable, adapters, adapterConfig }
}

export async function runTeacherStage(params: TeacherParams, ctx: JobContext, onRun?: (runId: string) => void): Promise<StageResult> {
  const workspace = new Workspace(ctx.workspaceDir)
  const data = await resolveDataset(workspace, params.dataset, params.instancesPerTask)
  const tasks = data.train.filter((task) => taskGroup(task) === params.group)
  if (tasks.length === 0) {
    const groups = [...new Set(data.train.map(taskGroup))]
    throw new Error(`no training task of group '${params.group}' in dataset '${params.dataset}' (groups: ${groups.join(', ')})`)
  }
  const { run, config, finished } = beginStageRun(workspace, 'teacher', params, {
    schema: TeacherParams,
    parents: { dataset: data.ref, backbone: params.backbone },
    defaultName: `teacher ${params.group}`,
    onRun,
  })
  if (finished) return finished
  const { model, tokenizer } = await loadRunModel(workspace, params.backbone, ['backbone'])
  const training = trainingConfig(params.training)
  const alpha = params.alpha ?? 2 * params.rank
  const { trainable, adapters, adapterConfig } = teacherLora(model.config, { r: params.rank, alpha, dropout: params.loraDropout, targets: params.targets as LoraTarget[], seed: training.seed, baseModel: params.backbone })
  try {
    const result = await trainSupervised({ run, model, tokenizer, tasks, prompt: params.prompt, training, stageConfig: config, trainable, adapters, ctx })
    const modules = new Map([...adapters].map(([id, lora]) => [id, { A: tf.clone(lora.A) as tf.Tensor2D, B: tf.clone(lora.B) as tf.Tensor2D }]))
    const adapter = new PeftAdapter(adapterConfig, modules)
    adapter.save(run.path(ADAPTER_DIR))
    adapter.dispose()
    const summary = { group: params.group, tasks: tasks.map((t) => t.name), finalLoss: result.finalLoss, steps: result.steps, seconds: result.seconds, rank: params.rank, alpha }
    run.update({ status: 'completed', summary })
    return { runId: run.id, stage: 'teacher', summary }
  } finally {
    model.dispose()
    for (const v of trainable.values()) v.dispose()
  }
}

export const teacherJob = defineJobKind({
  kind: 'train-teacher',
  title: 'Teacher LoRA',
  description: "Train one PEFT LoRA (alpha = 2r, B = 0 at init) on a task group's instances with the full prompt, on the frozen backbone.",
  params: TeacherParams,
  run: (params, ctx) => runTeacherStage(params, ctx),
})
