/**
 * What each TAGI stage's training step needs, built the way the stage builds it, for one preset: the
 * built-in suite (the pipeline's default dataset), the pipeline preset's settings (stages/presets.ts),
 * a tokenizer trained like the backbone stage's, and freshly initialised weights (a step costs the same
 * whatever the weights hold). The step itself comes from the stage module (`backboneStep`,
 * `supervisedStep`, `teacherLora`, `hyperPretrainStep`, `hyperFinetuneStep`), so the bench times the
 * stage's own batches and losses. Teacher LoRAs for hyper-finetune are PEFT adapters at their init, saved
 * as completed teacher runs of a temporary workspace and loaded with the stage's `loadTeachers`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { tf } from '../src-main/engine/backend/index.ts'
import { corpusFromTasks } from '../src-main/engine/data/index.ts'
import { HyperNetwork, hyperTargetOf } from '../src-main/engine/models/hyper/index.ts'
import { PeftAdapter } from '../src-main/engine/models/lora/index.ts'
import { T5Model, t5Preset, type T5Config, type T5PresetName } from '../src-main/engine/models/t5/index.ts'
import { backboneStep, BackboneParams, TEMPLATE_TEXT } from '../src-main/engine/stages/backbone.ts'
import { resolveDataset, SUITE_DATASET, taskGroup, type Seq2SeqBatch, type StageStep } from '../src-main/engine/stages/common.ts'
import { buildInstanceExamples } from '../src-main/engine/stages/examples.ts'
import { hyperFinetuneStep, HyperFinetuneParams, type FinetuneBatch } from '../src-main/engine/stages/hyper-finetune.ts'
import { hyperPretrainStep, HyperPretrainParams, type AbcBatch } from '../src-main/engine/stages/hyper-pretrain.ts'
import { MetatrainParams } from '../src-main/engine/stages/metatrain.ts'
import { pipelinePlan } from '../src-main/engine/stages/presets.ts'
import { supervisedStep } from '../src-main/engine/stages/supervised.ts'
import { loadTeachers } from '../src-main/engine/stages/teacher-bank.ts'
import { ADAPTER_DIR, teacherLora, TeacherParams } from '../src-main/engine/stages/teacher.ts'
import { Workspace } from '../src-main/engine/store/workspace.ts'
import { trainTokenizer } from '../src-main/engine/tokenizers/index.ts'
import { deltaWeightFlops, encoderFlops, hyperGenerateFlops, t5ForwardFlops, TRAINED_PASS } from './flops.ts'

export const STAGES = ['backbone', 'metatrain', 'teacher', 'hyper-pretrain', 'hyper-finetune'] as const
export type StageName = (typeof STAGES)[number]

/** Seeds the weights, the data order and the batch RNG, so two runs time the same batches. */
export const BENCH_SEED = 42

/** One stage's step, ready to be timed. */
export interface StageBench<Batch> {
  step: StageStep<Batch>
  /** What the stage's optimizer updates. */
  trainable: Map<string, tf.Variable>
  batchSize: number
  learningRate: number
  /** FLOPs of one step on this batch (rows `indices`), from its shapes (flops.ts). */
  flopsOf(batch: Batch, indices: number[]): number
  /** The padded widths of the batch, for the report. */
  widthsOf(batch: Batch): Record<string, number>
  dispose(): void
}

const seqWidths = (b: Seq2SeqBatch) => ({ batch: b.inputIds.shape[0], source: b.inputIds.shape[1], target: b.decoderInputIds.shape[1] })

/** The LoRA FLOP count assumes q/v adapters (the teacher default); anything else would be miscounted. */
function checkQvTargets(targets: readonly string[]): void {
  if (targets.join() !== 'q,v') throw new Error(`bench: teacher targets [${targets}] are not [q, v]; flops.ts counts q/v LoRA only`)
}

export async function stageBench(preset: T5PresetName, stage: StageName): Promise<StageBench<unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'tagi-bench-'))
  const workspace = new Workspace(root)
  const plan = pipelinePlan(preset, true)
  const backbone = BackboneParams.parse({ ...plan.backbone, dataset: SUITE_DATASET })
  const data = await resolveDataset(workspace, SUITE_DATASET, backbone.instancesPerTask)
  const corpus = corpusFromTasks(data.train)
  const tokenizer = trainTokenizer([...corpus, TEMPLATE_TEXT], { vocabSize: backbone.vocabSize })
  const config: T5Config = t5Preset(preset, tokenizer.vocabSize)
  const model = T5Model.init(config, BENCH_SEED)
  const trained = (p: { batch: number; source: number; target: number; extraMemory?: number; loraRank?: number }) => TRAINED_PASS * t5ForwardFlops(config, p)
  const cleanup = (...more: (() => void)[]) => () => {
    for (const f of more) f()
    model.dispose()
    rmSync(root, { recursive: true, force: true })
  }

  if (stage === 'backbone' || stage === 'metatrain') {
    const metatrain = MetatrainParams.parse({ ...plan.metatrain, backbone: 'bench' })
    const step = stage === 'backbone' ? backboneStep(model, tokenizer, corpus, backbone) : supervisedStep(model, tokenizer, data.train, metatrain.prompt)
    const training = stage === 'backbone' ? backbone.training : metatrain.training
    return {
      step: step as StageStep<unknown>,
      trainable: model.weights(),
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      flopsOf: (b) => trained(seqWidths(b as Seq2SeqBatch)),
      widthsOf: (b) => seqWidths(b as Seq2SeqBatch),
      dispose: cleanup(),
    }
  }

  if (stage === 'teacher') {
    // The largest group: the teacher run that sees the most instances.
    const groups = [...new Set(data.train.map(taskGroup))]
    const group = groups.sort((a, b) => data.train.filter((t) => taskGroup(t) === b).length - data.train.filter((t) => taskGroup(t) === a).length)[0]!
    const params = TeacherParams.parse({ ...plan.teacher, backbone: 'bench', group })
    checkQvTargets(params.targets)
    const lora = teacherLora(config, { r: params.rank, alpha: params.alpha ?? 2 * params.rank, targets: params.targets, seed: BENCH_SEED })
    const step = supervisedStep(model, tokenizer, data.train.filter((t) => taskGroup(t) === group), params.prompt, lora.adapters)
    return {
      step: step as StageStep<unknown>,
      trainable: lora.trainable,
      batchSize: params.training.batchSize,
      learningRate: params.training.learningRate,
      flopsOf: (b) => trained({ ...seqWidths(b as Seq2SeqBatch), loraRank: params.rank }),
      widthsOf: (b) => seqWidths(b as Seq2SeqBatch),
      dispose: cleanup(() => {
        for (const v of lora.trainable.values()) v.dispose()
      }),
    }
  }

  if (stage === 'hyper-pretrain') {
    const params = HyperPretrainParams.parse({ ...plan.hyperPretrain, backbone: 'bench' })
    const hyper = HyperNetwork.create(config, params.hyper, BENCH_SEED)
    const step = hyperPretrainStep(model, tokenizer, hyper, corpus, params)
    const widths = ({ seq, instructionIds }: AbcBatch) => ({ ...seqWidths(seq), instruction: instructionIds.ids.shape[1] })
    return {
      step: step as StageStep<unknown>,
      trainable: hyper.variables,
      batchSize: params.training.batchSize,
      learningRate: params.training.learningRate,
      flopsOf: (b) => {
        const w = widths(b as AbcBatch)
        const student = trained({ ...w, extraMemory: hyper.config.fusion !== 'none' ? w.instruction : 0, loraRank: hyper.config.rank })
        // The frozen encoder reads part a outside the tape (×1); the generators run for every row (×3).
        return student + encoderFlops(config, w.batch, w.instruction) + TRAINED_PASS * hyperGenerateFlops(hyper.config, hyperTargetOf(config), w.batch)
      },
      widthsOf: (b) => widths(b as AbcBatch),
      dispose: cleanup(() => hyper.dispose()),
    }
  }

  // hyper-finetune: every loss term on, the group-LoRA KL teacher (the defaults).
  const params = HyperFinetuneParams.parse({ ...plan.hyperFinetune, backbone: 'bench' })
  if (params.loss.kl?.teacher !== 'group-lora') throw new Error(`bench: hyper-finetune KL teacher '${params.loss.kl?.teacher}' is not the default 'group-lora'`)
  const teacher = TeacherParams.parse({ ...plan.teacher, backbone: 'bench', group: 'any' })
  checkQvTargets(teacher.targets)
  const runIds: string[] = []
  for (const [i, group] of [...new Set(data.train.map(taskGroup))].entries()) {
    const adapter = PeftAdapter.init(config, { r: teacher.rank, alpha: teacher.alpha ?? 2 * teacher.rank, targets: teacher.targets, seed: i })
    const run = workspace.runs.create({ stage: 'teacher', config: { group } })
    adapter.save(run.path(ADAPTER_DIR))
    adapter.dispose()
    run.update({ status: 'completed' })
    runIds.push(run.id)
  }
  const teachers = loadTeachers(workspace, runIds, config)
  const hyper = HyperNetwork.create(config, params.hyper, BENCH_SEED)
  const step = hyperFinetuneStep({ model, tokenizer, hyper, teachers, klModel: null, tasks: data.train, prompt: params.prompt, loss: params.loss })
  // The teacher reads the full prompt: its width comes from the same examples the step builds.
  const teacherSources = buildInstanceExamples(data.train, 'full-prompt', params.prompt, tokenizer).map((e) => e.source.length)
  const widths = (b: FinetuneBatch) => ({ ...seqWidths(b.student), instruction: (b.memory?.states ?? b.instructionIds!.ids).shape[1], tasks: (b.pooled ?? b.instructionIds!.ids).shape[0] })
  const target = hyperTargetOf(config)
  return {
    step: step as StageStep<unknown>,
    trainable: hyper.variables,
    batchSize: params.training.batchSize,
    learningRate: params.training.learningRate,
    flopsOf: (b, indices) => {
      const w = widths(b as FinetuneBatch)
      const rank = hyper.config.rank
      const studentSide = trained({ ...w, extraMemory: hyper.config.fusion !== 'none' ? w.instruction : 0, loraRank: rank })
      const generators = TRAINED_PASS * (hyperGenerateFlops(hyper.config, target, w.tasks) + deltaWeightFlops(target, rank, w.tasks))
      const teacherSource = Math.max(...indices.map((i) => teacherSources[i]!))
      const teacherSide = t5ForwardFlops(config, { batch: w.batch, source: teacherSource, target: w.target, loraRank: teacher.rank }) + deltaWeightFlops(target, teacher.rank, w.tasks)
      return studentSide + generators + teacherSide
    },
    widthsOf: (b) => widths(b as FinetuneBatch),
    dispose: cleanup(() => {
      step.dispose()
      teachers.dispose()
      hyper.dispose()
    }),
  }
}
