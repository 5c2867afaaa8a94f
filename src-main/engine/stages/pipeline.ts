/**
 * `tagi pipeline`: the whole TAGI method, stage after stage (tagi-method.md §1), each stage its own run:
 *
 *   (a) backbone → (b) meta-train → (c) one teacher LoRA per group → (d) hypernetwork pretraining
 *   → (e) hypernetwork finetuning [+ the ablations of §7.4] → (f) evaluation and the comparison table
 *
 * The pipeline's own run records every stage's run id as soon as the stage creates it, so a pipeline
 * that was killed can be resumed: finished stages are reused and the interrupted one continues from its
 * last checkpoint.
 */
import { z } from 'zod'
import { activeBackend } from '../backend/index.ts'
import { defineJobKind, JobCancelledError, type JobContext, type ProgressUpdate } from '../jobs/job-kind.ts'
import { FUSION_MODES, type FusionMode } from '../models/hyper/index.ts'
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.ts'
import { Workspace } from '../store/workspace.ts'
import { BackboneParams, runBackboneStage } from './backbone.ts'
import { openStageRun, resolveDataset, SUITE_DATASET, taskGroup, type StageResult } from './common.ts'
import { comparisonRows, formatComparison, type MethodScore } from './comparison.ts'
import { EvaluateParams, runEvaluateStage } from './evaluate.ts'
import { HyperFinetuneParams, runHyperFinetuneStage } from './hyper-finetune.ts'
import { HyperPretrainParams, runHyperPretrainStage } from './hyper-pretrain.ts'
import { MetatrainParams, runMetatrainStage } from './metatrain.ts'
import { PIPELINE_PRESETS, pipelinePlan, type PipelinePlan } from './presets.ts'
import { runTeacherStage, TeacherParams } from './teacher.ts'

/** The ablations of tagi-method.md §7.4, each a variant of stages (d)/(e). */
export const ABLATIONS = ['no-pretraining', 'no-fusion', 'no-ce', 'no-kl', 'no-ins'] as const
export type Ablation = (typeof ABLATIONS)[number]

export const PipelineParams = z.strictObject({
  preset: z.enum(PIPELINE_PRESETS).default('tiny').describe('Scale of every stage: \'tiny\' (minutes on a CPU) or \'small\' (hours).'),
  dataset: z.string().default(SUITE_DATASET).describe('Dataset to run on: \'suite\', a workspace dataset id, or a folder path.'),
  fromCheckpoint: z.string().nullable().default(null).describe('Hugging Face T5 folder to use as the backbone instead of pretraining one.'),
  fusion: z
    .enum(FUSION_MODES)
    .exclude(['none'])
    .default('decoder-concat')
    .describe("Instruction fusion of the full method: 'decoder-concat' (the code's) or 'encoder-cross-attention' (paper Eq. 1, adds trained encoder blocks); the 'no-fusion' ablation turns it off."),
  ablations: z.array(z.enum(ABLATIONS)).default([]).describe('Extra hypernetwork variants to train and score beside the full method (paper §7.4).'),
  instancesPerTask: z.number().int().positive().default(100).describe('Instances per task that training reads (paper: 100).'),
  stepScale: z.number().positive().max(100).default(1).describe('Multiply every stage\'s step count (a quick smoke run: 0.05); at least one step each.'),
  evalInstances: z.number().int().positive().nullable().default(null).describe('Cap the instances scored per task; null keeps the preset\'s 100 held-out and 20 per training task.'),
  resume: z.string().nullable().default(null).describe('Pipeline run id to resume: finished stages are reused, the interrupted one resumes.'),
  name: z.string().nullable().default(null).describe('Display name of the run; null names it after the stage.'),
})
export type PipelineParams = z.output<typeof PipelineParams>

export const RESULTS_FILE = 'results.json'

export interface PipelineResult extends StageResult {
  table: string
  results: PipelineResults
}

export interface PipelineResults {
  preset: string
  dataset: string
  backend: string
  ablations: Ablation[]
  runs: Record<string, string>
  stageSeconds: Record<string, number>
  totalSeconds: number
  rows: ReturnType<typeof comparisonRows>
  scores: MethodScore[]
}

function scaled<T extends { training?: { steps: number; checkpointEvery?: number } }>(params: T, factor: number): T {
  if (!params.training || factor === 1) return params
  const steps = Math.max(1, Math.round(params.training.steps * factor))
  return { ...params, training: { ...params.training, steps, checkpointEvery: Math.min(params.training.checkpointEvery ?? 50, steps) } }
}

function resumedParams(workspace: Workspace, runId: string): PipelineParams {
  const run = workspace.runs.open(runId)
  if (run.record.stage !== 'pipeline') throw new Error(`run ${runId} is a '${run.record.stage}' run, not a pipeline`)
  const { plan: _plan, ...saved } = run.record.config
  return PipelineParams.parse({ ...saved, resume: runId, name: null })
}

/** The full method's hypernetwork stage params with the pipeline's fusion mode. */
function withFusion<T extends { hyper?: object }>(base: T, fusion: FusionMode): T {
  return { ...base, hyper: { ...(base.hyper ?? {}), fusion } }
}

/** The loss / hyper changes of an ablation, applied to the full method's finetuning params. */
function ablated(base: PipelinePlan['hyperFinetune'], ablation: Ablation): PipelinePlan['hyperFinetune'] {
  const loss = { ...(base.loss ?? {}) }
  if (ablation === 'no-ce') loss.labels = false
  if (ablation === 'no-kl') loss.kl = null
  if (ablation === 'no-ins') loss.ins = null
  return ablation === 'no-fusion' ? withFusion({ ...base, loss }, 'none') : { ...base, loss }
}

export async function runPipeline(requested: PipelineParams, ctx: JobContext): Promise<PipelineResult> {
  const started = performance.now()
  const workspace = new Workspace(ctx.workspaceDir)
  // A resumed pipeline takes its own saved settings, so every stage is asked for exactly what it was.
  const params = requested.resume ? resumedParams(workspace, requested.resume) : requested
  const { resume, name, ...config } = params
  const data = await resolveDataset(workspace, params.dataset, params.instancesPerTask)
  const plan = pipelinePlan(params.preset, params.dataset === SUITE_DATASET)
  const run = openStageRun(workspace, { stage: 'pipeline', config: { ...config, plan }, parents: { dataset: data.ref }, name: name ?? undefined, resumeId: resume ?? undefined })
  const runs: Record<string, string> = { ...((run.record.summary.runs as Record<string, string> | undefined) ?? {}) }
  const stageSeconds: Record<string, number> = {}
  run.update({ status: 'running' })
  const remember = (key: string) => (id: string) => {
    runs[key] = id
    run.update({ summary: { ...run.record.summary, runs } })
  }
  const common = { dataset: params.dataset, instancesPerTask: params.instancesPerTask }

  // Groups: by number of training tasks, largest first (the paper's category splits are ordered that way).
  const sizes = new Map<string, number>()
  for (const task of data.train) sizes.set(taskGroup(task), (sizes.get(taskGroup(task)) ?? 0) + 1)
  const groups = [...sizes.keys()].sort((a, b) => sizes.get(b)! - sizes.get(a)! || a.localeCompare(b)).slice(0, plan.teacherGroups ?? undefined)
  const needsOwnPretrain = params.ablations.includes('no-fusion')
  // backbone, meta-train, the teachers, pretraining, finetuning, the ablations, evaluation.
  const stagesTotal = 5 + groups.length + params.ablations.length + (needsOwnPretrain ? 1 : 0)
  let stageIndex = 0
  const stage = async (key: string, body: (sctx: JobContext, onRun: (id: string) => void) => Promise<StageResult>): Promise<StageResult> => {
    const t0 = performance.now()
    const index = stageIndex++
    ctx.log(`pipeline: stage ${index + 1}/${stagesTotal}: ${key}`)
    const sctx: JobContext = {
      ...ctx,
      progress: (u: ProgressUpdate) =>
        ctx.progress({ step: index * 1000 + Math.round((1000 * u.step) / u.total), total: stagesTotal * 1000, message: `[${key}] ${u.message ?? ''}`, metrics: u.metrics }),
    }
    const result = await body(sctx, remember(key))
    stageSeconds[key] = (performance.now() - t0) / 1000
    return result
  }
  try {
    const backbone = await stage('backbone', (c, on) =>
      runBackboneStage(BackboneParams.parse({ ...scaled(plan.backbone, params.stepScale), ...common, fromCheckpoint: params.fromCheckpoint, resume: runs.backbone ?? null }), c, on),
    )
    const metatrain = await stage('metatrain', (c, on) =>
      runMetatrainStage(MetatrainParams.parse({ ...scaled(plan.metatrain, params.stepScale), ...common, backbone: backbone.runId, resume: runs.metatrain ?? null }), c, on),
    )
    const teachers: string[] = []
    for (const group of groups) {
      const key = `teacher:${group}`
      const t = await stage(key, (c, on) =>
        runTeacherStage(TeacherParams.parse({ ...scaled(plan.teacher, params.stepScale), ...common, backbone: backbone.runId, group, resume: runs[key] ?? null }), c, on),
      )
      teachers.push(t.runId)
    }
    const pretrain = async (key: string, fusion: FusionMode) =>
      stage(key, (c, on) =>
        runHyperPretrainStage(HyperPretrainParams.parse({ ...withFusion(scaled(plan.hyperPretrain, params.stepScale), fusion), ...common, backbone: backbone.runId, resume: runs[key] ?? null }), c, on),
      )
    const finetune = async (key: string, finetuneParams: PipelinePlan['hyperFinetune'], pretrained: string | null) =>
      stage(key, (c, on) =>
        runHyperFinetuneStage(
          HyperFinetuneParams.parse({ ...scaled(finetuneParams, params.stepScale), ...common, backbone: backbone.runId, teachers, pretrained, metatrain: metatrain.runId, resume: runs[key] ?? null }),
          c,
          on,
        ),
      )
    const full = withFusion(plan.hyperFinetune, params.fusion)
    const pretrained = await pretrain('hyper-pretrain', params.fusion)
    const hypers: Record<string, string> = { tagi: (await finetune('hyper-finetune', full, pretrained.runId)).runId }
    for (const ablation of params.ablations) {
      let start: string | null = pretrained.runId
      if (ablation === 'no-pretraining') start = null
      if (ablation === 'no-fusion') start = (await pretrain('hyper-pretrain:no-fusion', 'none')).runId
      hypers[ablation] = (await finetune(`hyper-finetune:${ablation}`, ablated(full, ablation), start)).runId
    }
    const evalPlan = params.evalInstances
      ? { ...plan.evaluate, instancesPerTask: params.evalInstances, trainInstancesPerTask: Math.min(params.evalInstances, plan.evaluate.trainInstancesPerTask ?? 20) }
      : plan.evaluate
    const evaluation = await stage('evaluate', (c, on) =>
      runEvaluateStage(EvaluateParams.parse({ ...evalPlan, dataset: params.dataset, backbone: backbone.runId, metatrain: metatrain.runId, teachers, hypers }), c, on),
    )
    const scores = evaluation.summary.scores as MethodScore[]
    const results: PipelineResults = {
      preset: params.preset,
      dataset: data.ref,
      backend: activeBackend().label,
      ablations: params.ablations,
      runs,
      stageSeconds,
      totalSeconds: (performance.now() - started) / 1000,
      rows: comparisonRows(scores),
      scores,
    }
    const table = formatComparison(scores)
    writeJsonAtomic(run.path(RESULTS_FILE), results)
    writeFileAtomic(run.path('table.txt'), table + '\n')
    run.update({ status: 'completed', summary: { runs, totalSeconds: results.totalSeconds, rows: results.rows } })
    return { runId: run.id, stage: 'pipeline', summary: run.record.summary, table, results }
  } catch (error) {
    if (error instanceof JobCancelledError) run.update({ status: 'cancelled' })
    else run.update({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
    throw error
  }
}

export const pipelineJob = defineJobKind({
  kind: 'tagi-pipeline',
  title: 'TAGI pipeline',
  description: 'Backbone → meta-train → teacher LoRAs → hypernetwork pretraining → finetuning (+ ablations) → evaluation, with a comparison table.',
  params: PipelineParams,
  run: runPipeline,
})
