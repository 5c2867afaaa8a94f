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
import { loadRunModel, MODEL_DIR, openStageRun, resolveDataset, SUITE_DATASET, trainingConfig, TrainingSchema } from './common.ts'
import type { StageResult } from './backbone.ts'
import { trainSupervised } from './supervised.ts'

export const PromptSchema = z.strictObject({
  setting: z.enum(Object.keys(PROMPT_SETTINGS) as [PromptSettingName, ...PromptSettingName[]]).default('def+2pos'),
  // The suite's prompts fit in ~110 tokens; 1024 is the paper's budget, far beyond what the tiny run needs.
  maxSourceTokens: z.number().int().positive().default(160),
  maxTargetTokens: z.number().int().positive().default(32),
})

export const MetatrainParams = z.strictObject({
  backbone: z.string().min(1),
  dataset: z.string().default(SUITE_DATASET),
  instancesPerTask: z.number().int().positive().default(100),
  prompt: PromptSchema.default({ setting: 'def+2pos', maxSourceTokens: 160, maxTargetTokens: 32 }),
  training: TrainingSchema.default({ steps: 600, batchSize: 16, learningRate: 2e-3, warmupFraction: 0.02, decay: 'constant', checkpointEvery: 50, seed: 42 }),
  resume: z.string().nullable().default(null),
  name: z.string().nullable().default(null),
})
export type MetatrainParams = z.output<typeof MetatrainParams>

export async function runMetatrainStage(params: MetatrainParams, ctx: JobContext, onRun?: (runId: string) => void): Promise<StageResult> {
  const workspace = new Workspace(ctx.workspaceDir)
  const { resume, name, ...config } = params
  const data = await resolveDataset(workspace, params.dataset, params.instancesPerTask)
  const run = openStageRun(workspace, {
    stage: 'metatrain',
    config,
    parents: { dataset: data.ref, backbone: params.backbone },
    name: name ?? undefined,
    resumeId: resume ?? undefined,
  })
  onRun?.(run.id)
  if (run.record.status === 'completed') return { runId: run.id, stage: 'metatrain', summary: run.record.summary }
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
