/**
 * Stage (b): the meta-trained baseline, the Tk-Instruct analogue (tagi-method.md §1 step 1a): the backbone
 * fully finetuned on the instances of every training task, reading the full prompt (definition + positive
 * examples + input). It is the full-prompt baseline of the comparison, and the KL teacher of the code's
 * variant (decisions.md §1 point 4).
 */
import { mkdirSync } from 'node:fs'
import { z } from 'zod'
import { PROMPT_SETTINGS, type PromptSettingName } from '../data/prompts.ts'
import { defineJobKind, type JobContext } from '../jobs/job-kind.ts'
import { Workspace } from '../store/workspace.ts'
import { loadRunModel, MODEL_DIR, beginStageRun, resolveDataset, SUITE_DATASET, trainingConfig, TrainingSchema, type StageResult } from './common.ts'
import { trainSupervised } from './supervised.ts'

export const PromptSchema = z.strictObject({
  setting: z.enum(Object.keys(PROMPT_SETTINGS) as [PromptSettingName, ...PromptSettingName[]]).default('def+2pos').describe('What the prompt holds: the definition and/or positive/negative examples (def+2pos is the paper\'s main setting).'),
  // The suite's prompts fit in ~110 tokens; 1024 is the paper's budget, far beyond what the tiny run needs.
  maxSourceTokens: z.number().int().positive().default(160).describe('Cap of the encoder input in tokens; the suite\'s prompts fit in ~110 (paper: 1024).'),
  maxTargetTokens: z.number().int().positive().default(32).describe('Cap of the target in tokens.'),
})

export const MetatrainParams = z.strictObject({
  backbone: z.string().min(1).describe('Backbone run id to fine-tune on full prompts.'),
  dataset: z.string().default(SUITE_DATASET).describe('Dataset to train on: \'suite\', a workspace dataset id, or a folder path.'),
  instancesPerTask: z.number().int().positive().default(100).describe('Instances per training task (paper: 100).'),
  prompt: PromptSchema.default({ setting: 'def+2pos', maxSourceTokens: 160, maxTargetTokens: 32 }).describe('Prompt setting and token caps.'),
  training: TrainingSchema.default({ steps: 600, batchSize: 16, learningRate: 2e-3, warmupFraction: 0.02, decay: 'constant', checkpointEvery: 50, seed: 42 }).describe('Optimiser steps, batch size, learning rate, schedule, checkpoint interval and seed.'),
  resume: z.string().nullable().default(null).describe('Run id to resume from its last checkpoint; null starts a new run.'),
  name: z.string().nullable().default(null).describe('Display name of the run; null names it after the stage.'),
})
export type MetatrainParams = z.output<typeof MetatrainParams>

export async function runMetatrainStage(params: MetatrainParams, ctx: JobContext, onRun?: (runId: string) => void): Promise<StageResult> {
  const workspace = new Workspace(ctx.workspaceDir)
  const data = await resolveDataset(workspace, params.dataset, params.instancesPerTask)
  const { run, config, finished } = beginStageRun(workspace, 'metatrain', params, { schema: MetatrainParams, parents: { dataset: data.ref, backbone: params.backbone }, onRun })
  if (finished) return finished
  const { model, tokenizer } = await loadRunModel(workspace, params.backbone, ['backbone', 'metatrain'])
  try {
    const result = await trainSupervised({
      run,
      model,
      tokenizer,
      tasks: data.train,
      prompt: params.prompt,
      training: trainingConfig(params.training),
      stageConfig: config,
      trainable: model.weights(),
      ctx,
    })
    const dir = run.path(MODEL_DIR)
    mkdirSync(dir, { recursive: true })
    model.save(dir)
    tokenizer.save(dir)
    const summary = { finalLoss: result.finalLoss, steps: result.steps, seconds: result.seconds, tasks: data.train.length }
    run.update({ status: 'completed', summary })
    return { runId: run.id, stage: 'metatrain', summary }
  } finally {
    model.dispose()
  }
}

export const metatrainJob = defineJobKind({
  kind: 'train-metatrain',
  title: 'Meta-train baseline',
  description: 'Finetune the backbone on every training task reading the full prompt (the Tk-Instruct analogue).',
  params: MetatrainParams,
  run: (params, ctx) => runMetatrainStage(params, ctx),
})
