/**
 * Stage (e): hypernetwork finetuning on the training tasks (tagi-method.md §3.3, paper Eq. 4-6):
 *
 *   L = L_ce + λ1·L_kl + λ2·L_ins        λ1 = 5, λ2 = sigmoid(L_ins)  (decisions.md §1; each term can be off)
 *
 * The student is the frozen backbone + the adapter generated from the task's instruction, reading the
 * instance input alone, with the instruction's states fused into the decoder memory. The KL teacher is the
 * backbone + the LoRA of the task's group reading the full prompt (paper Eq. 5), or the meta-trained model
 * (the code's choice); L_ins aligns the generated update with the group LoRA's. Instruction encodings are
 * computed once per task (the encoder is frozen; a 'trainable-copy' encoder re-encodes each batch's tasks
 * inside the loss), and each adapter once per task in the batch.
 */
import { existsSync } from 'node:fs'
import { z } from 'zod'
import { tf } from '../backend/index.ts'
import type { StudentInputMode } from '../data/prompts.ts'
import type { Rng } from '../data/random.ts'
import type { SniTask } from '../data/sni/task.ts'
import { encodeTruncated, padBatch } from '../eval/model-io.ts'
import { defineJobKind, type JobContext } from '../jobs/job-kind.ts'
import { combineTagiLoss, labelCrossEntropy, logitKl, parameterAlignment, type TeacherFactors } from '../losses/index.ts'
import { adaptersForBatch, encodeInstructionIds, encodeInstructions, fusionMemory, HyperConfigSchema, HyperNetwork, type InstructionEncoding } from '../models/hyper/index.ts'
import type { T5Model } from '../models/t5/index.ts'
import { Workspace } from '../store/workspace.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'
import { train } from '../training/index.ts'
import { batchLogits, codeTrainableWeights, disposeSeq2SeqBatch, HyperTrainableSchema, loadHyperBackbone, loadRunModel, MODEL_DIR, beginStageRun, resolveDataset, seq2seqBatch, SUITE_DATASET, trainingConfig, TrainingSchema, type Seq2SeqBatch, type StageStep, type StageResult } from './common.ts'
import { buildInstanceExamples, instructionText, type PromptOptions } from './examples.ts'
import { HYPER_DIR, TinyHyperDefaults } from './hyper-pretrain.ts'
import { PromptSchema } from './metatrain.ts'
import { loadTeachers, type TeacherBank } from './teacher-bank.ts'

export const LossSchema = z.strictObject({
  labels: z.boolean().default(true).describe('L_ce on the labels; off = the w/o L_ce ablation.'),
  kl: z
    .strictObject({
      weight: z.number().nonnegative().default(5).describe('λ1, the weight of L_kl (paper: 5).'),
      temperature: z.number().positive().default(3).describe('Softmax temperature T of the distillation (code: 3).'),
      standardize: z.boolean().default(true).describe('Z-score each position\'s logits before the softmax (code\'s logit_stand); off = plain temperature KL.'),
      scaleByTemperatureSquared: z.boolean().default(true).describe('Multiply by T² so the gradient does not shrink as T grows (Hinton et al.).'),
      teacher: z.enum(['group-lora', 'metatrain']).default('group-lora').describe('\'group-lora\': backbone + the group\'s LoRA on the full prompt (paper); \'metatrain\': the meta-trained full-prompt model (code).'),
    })
    .nullable()
    .prefault({}).describe('Logit distillation from the teacher (weight λ1 = 5, paper Eq. 5); null = the w/o L_kl ablation.'),
  ins: z
    .strictObject({
      orientation: z.enum(['delta', 'factors', 'code-swapped']).default('delta').describe('How generated and teacher LoRAs are compared: \'delta\' = ΔW = B·A per module; \'factors\' = A with A, B with B; \'code-swapped\' = the code\'s swapped A/B.'),
      scale: z.number().positive().default(1000).describe('Multiplier on the alignment MSE; the code\'s 1000 brings tiny weight differences to the CE\'s scale.'),
      weighting: z.enum(['sigmoid', 'constant']).default('sigmoid').describe('λ2: \'sigmoid\' = sigmoid(L_ins) (paper) or a \'constant\' weight.'),
      weight: z.number().nonnegative().default(1).describe('λ2 when weighting is \'constant\'.'),
    })
    .nullable()
    .prefault({}).describe('Parameter alignment with the group\'s teacher LoRA (paper Eq. 6); null = the w/o L_ins ablation.'),
})
export type LossParams = z.output<typeof LossSchema>

export const HyperFinetuneParams = z.strictObject({
  backbone: z.string().min(1).describe('Backbone run id (frozen unless trainable says otherwise).'),
  teachers: z.array(z.string()).default([]).describe('Teacher LoRA run ids (one per group); needed for L_ins and for the group-lora KL teacher.'),
  pretrained: z.string().nullable().default(null).describe('Hyper-pretrain run to start from; null = fresh init (the w/o pretraining ablation).'),
  metatrain: z.string().nullable().default(null).describe('Meta-train run id, for the metatrain KL teacher.'),
  dataset: z.string().default(SUITE_DATASET).describe('Dataset to train on: \'suite\', a workspace dataset id, or a folder path.'),
  instancesPerTask: z.number().int().positive().default(100).describe('Instances per training task (paper: 100).'),
  prompt: PromptSchema.default({ setting: 'def+2pos', maxSourceTokens: 160, maxTargetTokens: 32 }).describe('Prompt setting of the instruction the hypernetwork reads, and the token caps.'),
  hyper: HyperConfigSchema.prefault(TinyHyperDefaults).describe('Hypernetwork architecture, used when there is no pretrained run; with one, its saved config is used and this must match it.'),
  loss: LossSchema.prefault({}).describe('Which loss terms are on and their settings (L_ce, L_kl, L_ins).'),
  trainable: HyperTrainableSchema,
  studentInput: z
    .enum(['input', 'definition+input'])
    .default('input')
    .describe("What the student's encoder reads: the instance input alone (paper: the instruction arrives only through the adapter and fusion, computed once per task) or 'definition+input' (released code)."),
  training: TrainingSchema.default({ steps: 400, batchSize: 16, learningRate: 1e-3, warmupFraction: 0.02, decay: 'constant', checkpointEvery: 50, seed: 42 }).describe('Optimiser steps, batch size, learning rate, schedule, checkpoint interval and seed.'),
  resume: z.string().nullable().default(null).describe('Run id to resume from its last checkpoint; null starts a new run.'),
  name: z.string().nullable().default(null).describe('Display name of the run; null names it after the stage.'),
})
export type HyperFinetuneParams = z.output<typeof HyperFinetuneParams>

export interface FinetuneBatch {
  student: Seq2SeqBatch
  /** (U, d) pooled instructions of the batch's distinct tasks (frozen encoder; null with a trainable copy). */
  pooled: tf.Tensor2D | null
  /** (B) row → its task's position among the U. */
  taskIndex: tf.Tensor1D
  /** (B, S_I, d) and (B, S_I): the fused instruction memory of each row (frozen encoder; null with a trainable copy). */
  memory: { states: tf.Tensor3D; mask: tf.Tensor2D } | null
  /** 'trainable-copy' only: (U, S_I) instruction ids and mask of the distinct tasks, encoded inside the loss. */
  instructionIds: { ids: tf.Tensor2D; mask: tf.Tensor2D } | null
  teacherLogits: tf.Tensor3D | null
  /** Teacher factors per module for the U tasks, and which of them have a teacher. */
  teacherFactors: Map<string, TeacherFactors> | null
  hasTeacher: tf.Tensor1D | null
}

const gatherRows = <T extends tf.Tensor>(x: T, rows: number[]): T => tf.tidy(() => tf.gather(x, tf.tensor1d(rows, 'int32')) as T)

/** What the finetuning step reads; the stage loads it from runs, bench/ builds it directly. */
export interface HyperFinetuneInputs {
  model: T5Model
  tokenizer: TextTokenizer
  hyper: HyperNetwork
  /** Needed for L_ins and for the 'group-lora' KL teacher. */
  teachers: TeacherBank | null
  /** The 'metatrain' KL teacher, else null. */
  klModel: T5Model | null
  /**
   * The frozen backbone under the group-LoRA KL teacher; `model` itself unless finetuning also trains the
   * backbone's embeddings and norms, where the teacher must keep the original θ0 (paper Eq. 5).
   */
  teacherBackbone?: T5Model
  tasks: readonly SniTask[]
  prompt: PromptOptions
  loss: LossParams
  /** What the student's encoder reads (decisions.md §1 point 8); 'input' when left out. */
  studentInput?: StudentInputMode
}

/**
 * The finetuning step: student rows (instance input alone, or definition + input) with their task's generated adapter and fused
 * instruction memory; teacher logits (no gradient) and teacher factors built with the batch; the loss
 * L_ce + λ1·L_kl + λ2·L_ins. Instructions are encoded once here; `dispose` releases them.
 */
export function hyperFinetuneStep({ model, tokenizer, hyper, teachers, klModel, teacherBackbone = model, tasks, prompt, loss, studentInput = 'input' }: HyperFinetuneInputs): StageStep<FinetuneBatch> & { dispose(): void } {
  const students = buildInstanceExamples(tasks, 'instance', prompt, tokenizer, studentInput)
  const teacherInputs = loss.kl ? buildInstanceExamples(tasks, 'full-prompt', prompt, tokenizer) : null
  const masked = hyper.config.pooling === 'masked'
  const texts = tasks.map((task) => instructionText(task, prompt, tokenizer))
  // The frozen encoder's states are computed once here; a trainable copy re-encodes each batch's tasks in the loss.
  const trainableEncoder = hyper.config.instructionEncoder === 'trainable-copy'
  const instructions: InstructionEncoding | null = trainableEncoder ? null : encodeInstructions(model, tokenizer, texts, prompt.maxSourceTokens, masked)
  const instructionRows = trainableEncoder ? texts.map((text) => encodeTruncated(tokenizer, text, prompt.maxSourceTokens)) : []
  const groupOfTask = tasks.map((task) => teachers?.groupIndex(task) ?? -1)

  const makeBatch = (indices: number[], rng: Rng): FinetuneBatch => {
    const taskIds = [...new Set(indices.map((i) => students[i]!.task))]
    const rowTask = indices.map((i) => taskIds.indexOf(students[i]!.task))
    const rowTaskIds = indices.map((i) => students[i]!.task)
    const targets = indices.map((i) => rng.pick(students[i]!.targets)) // one reference, shared by student and teacher
    const student = seq2seqBatch(indices.map((i, b) => ({ source: students[i]!.source, target: targets[b]! })), tokenizer.padId, tokenizer.decoderStartId)
    let teacherLogits: tf.Tensor3D | null = null
    if (loss.kl && teacherInputs) {
      const teacherBatch = seq2seqBatch(indices.map((i, b) => ({ source: teacherInputs[i]!.source, target: targets[b]! })), tokenizer.padId, tokenizer.decoderStartId)
      teacherLogits = klModel
        ? batchLogits(klModel, teacherBatch)
        : tf.tidy(() => batchLogits(teacherBackbone, teacherBatch, { adapters: teachers!.perExample(rowTaskIds.map((t) => groupOfTask[t]!)) }))
      disposeSeq2SeqBatch(teacherBatch)
    }
    const groups = taskIds.map((t) => groupOfTask[t]!)
    return {
      student,
      pooled: instructions ? gatherRows(instructions.pooled, taskIds) : null,
      taskIndex: tf.tensor1d(rowTask, 'int32'),
      memory: instructions ? { states: gatherRows(instructions.states, rowTaskIds), mask: gatherRows(instructions.mask, rowTaskIds) } : null,
      instructionIds: trainableEncoder ? padBatch(taskIds.map((t) => instructionRows[t]!), tokenizer.padId) : null,
      teacherLogits,
      teacherFactors: loss.ins ? teachers!.factors(groups, hyper.moduleIds()) : null,
      hasTeacher: loss.ins ? tf.tensor1d(groups.map((g) => (g >= 0 ? 1 : 0))) : null,
    }
  }

  return {
    itemCount: students.length,
    makeBatch,
    lossFn: (batch) => {
      let pooled = batch.pooled
      let memory = batch.memory
      if (batch.instructionIds) {
        const encoding = encodeInstructionIds(model, batch.instructionIds.ids, batch.instructionIds.mask, masked, hyper.instructionEncoderWeights(model))
        pooled = encoding.pooled
        memory = fusionMemory(encoding, batch.taskIndex)
      }
      const generated = hyper.generate(pooled!)
      const adapters = adaptersForBatch(generated, batch.taskIndex)
      const logits = batchLogits(model, batch.student, { training: true, adapters, extraMemory: hyper.fusedMemory(memory!) })
      const { labels, targetMask } = batch.student
      const ce = labelCrossEntropy(logits, labels, targetMask)
      const kl = loss.kl ? logitKl(logits, batch.teacherLogits!, targetMask, loss.kl) : null
      const ins = loss.ins ? parameterAlignment(generated, batch.teacherFactors!, batch.hasTeacher!, loss.ins) : null
      const { total, lambda2 } = combineTagiLoss(
        { ce: loss.labels ? ce : null, kl, ins },
        { labels: loss.labels, logits: loss.kl, params: loss.ins },
      )
      const terms: Record<string, tf.Scalar> = { ce }
      if (kl) terms.kl = kl
      if (ins) terms.ins = ins
      if (lambda2) terms.lambda2 = lambda2
      return { loss: total, terms }
    },
    batchTokens: (batch) => batch.student.tokens,
    disposeBatch: (batch) => {
      disposeSeq2SeqBatch(batch.student)
      tf.dispose(batch.taskIndex)
      if (batch.pooled) batch.pooled.dispose()
      if (batch.memory) tf.dispose([batch.memory.states, batch.memory.mask])
      if (batch.instructionIds) tf.dispose([batch.instructionIds.ids, batch.instructionIds.mask])
      if (batch.teacherLogits) batch.teacherLogits.dispose()
      if (batch.hasTeacher) batch.hasTeacher.dispose()
      for (const f of batch.teacherFactors?.values() ?? []) tf.dispose([f.A, f.B])
    },
    dispose: () => {
      if (instructions) tf.dispose([instructions.pooled, instructions.states, instructions.mask])
    },
  }
}

export async function runHyperFinetuneStage(params: HyperFinetuneParams, ctx: JobContext, onRun?: (runId: string) => void): Promise<StageResult> {
  const workspace = new Workspace(ctx.workspaceDir)
  const { loss } = params
  if (!loss.labels && !loss.kl && !loss.ins) throw new Error('hyper-finetune: every loss term is off (labels, kl, ins); nothing would be trained')
  if (loss.kl?.teacher === 'metatrain' && !params.metatrain) throw new Error("hyper-finetune: the 'metatrain' KL teacher needs the metatrain run (metatrain)")
  if ((loss.ins || loss.kl?.teacher === 'group-lora') && params.teachers.length === 0) throw new Error('hyper-finetune: L_ins and the group-LoRA KL teacher need teacher runs (teachers)')
  const data = await resolveDataset(workspace, params.dataset, params.instancesPerTask)
  const parents: Record<string, string | string[]> = { dataset: data.ref, backbone: params.backbone, teachers: params.teachers }
  if (params.pretrained) parents.pretrained = params.pretrained
  if (params.metatrain) parents.metatrain = params.metatrain
  const { run, config, finished } = beginStageRun(workspace, 'hyper-finetune', params, { schema: HyperFinetuneParams, parents, onRun })
  if (finished) return finished

  const pre = params.pretrained ? workspace.runs.open(params.pretrained) : null
  if (pre && (pre.record.stage !== 'hyper-pretrain' || pre.record.status !== 'completed')) throw new Error(`run ${params.pretrained} is not a completed hyper-pretrain run`)
  // A pretraining run with the code's trainable set carries its own backbone copy: continue from it.
  const { model, tokenizer } = await loadHyperBackbone(workspace, params.backbone, pre)
  const training = trainingConfig(params.training)
  let hyper: HyperNetwork
  if (pre) {
    hyper = HyperNetwork.load(pre.path(HYPER_DIR), model.config)
    if (JSON.stringify(hyper.config) !== JSON.stringify(params.hyper)) {
      throw new Error(`hyper-finetune: the hyper config differs from the pretrained run's (${JSON.stringify(hyper.config)}); leave it at the pretrained one`)
    }
  } else hyper = HyperNetwork.create(model.config, params.hyper, training.seed, model)
  const teachers: TeacherBank | null = params.teachers.length ? loadTeachers(workspace, params.teachers, model.config) : null
  const klModel = loss.kl?.teacher === 'metatrain' ? (await loadRunModel(workspace, params.metatrain!, ['metatrain'])).model : null
  // The group-LoRA teacher was trained on the untouched backbone: it needs its own copy when this one changes.
  const backboneDiffers = params.trainable === 'code' || (pre !== null && existsSync(pre.path(MODEL_DIR)))
  const ownTeacherBackbone = backboneDiffers && loss.kl?.teacher === 'group-lora'
  const teacherBackbone = ownTeacherBackbone ? (await loadRunModel(workspace, params.backbone, ['backbone'])).model : model
  const tasks = data.train
  const step = hyperFinetuneStep({ model, tokenizer, hyper, teachers, klModel, teacherBackbone, tasks, prompt: params.prompt, loss, studentInput: params.studentInput })
  const trainable = new Map(hyper.variables)
  if (params.trainable === 'code') for (const [key, v] of codeTrainableWeights(model)) trainable.set(key, v)
  ctx.log(`hyper-finetune: ${step.itemCount} instances of ${tasks.length} tasks; losses ${[loss.labels && 'ce', loss.kl && `kl(${loss.kl.teacher})`, loss.ins && 'ins'].filter(Boolean).join(' + ')}`)

  try {
    const result = await train<FinetuneBatch>({ run, config: training, stageConfig: config, trainable, ...step, ctx })
    hyper.save(run.path(HYPER_DIR))
    // Keep the backbone with the run when it differs from the backbone run's (trained here, or inherited).
    if (backboneDiffers) {
      model.save(run.path(MODEL_DIR))
      tokenizer.save(run.path(MODEL_DIR))
    }
    const summary = { finalLoss: result.finalLoss, steps: result.steps, seconds: result.seconds, parameters: hyper.parameterCount() }
    run.update({ status: 'completed', summary })
    return { runId: run.id, stage: 'hyper-finetune', summary }
  } finally {
    step.dispose()
    teachers?.dispose()
    klModel?.dispose()
    if (ownTeacherBackbone) teacherBackbone.dispose()
    model.dispose()
    hyper.dispose()
  }
}

export const hyperFinetuneJob = defineJobKind({
  kind: 'hyper-finetune',
  title: 'Hypernetwork finetuning',
  description: 'Train the hypernetwork on the training tasks: L_ce + λ1·L_kl (teacher logits) + λ2·L_ins (teacher LoRA alignment).',
  params: HyperFinetuneParams,
  run: (params, ctx) => runHyperFinetuneStage(params, ctx),
})
