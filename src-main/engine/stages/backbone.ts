/**
 * Stage (a): the backbone. Either a Hugging Face T5 checkpoint from disk (copied into the run as is), or a
 * local preset pretrained from scratch on the dataset's own text, standing in for T5-LM-adapt
 * (decisions.md §2): T5 span corruption (Raffel et al. 2020) mixed with prefix LM (the LM-adapt
 * objective, Lester et al. 2021) on packed sequences of the training tasks' texts. The test tasks' texts are
 * left out so that nothing of the held-out tasks is seen before evaluation. A T5-style Unigram tokenizer is
 * trained on the same text (plus the prompt template) and saved with the model.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { z } from 'zod'
import { corpusFromTasks, DEFAULT_SPAN_CORRUPTION, prefixLm, spanCorrupt } from '../data/pretraining.ts'
import type { Rng } from '../data/random.ts'
import { defineJobKind, type JobContext } from '../jobs/job-kind.ts'
import { labelCrossEntropy } from '../losses/index.ts'
import { T5Model, T5_PRESETS, t5Preset } from '../models/t5/index.ts'
import { Workspace } from '../store/workspace.ts'
import { loadTokenizer, trainTokenizer, type TextTokenizer } from '../tokenizers/index.ts'
import { train } from '../training/index.ts'
import { batchLogits, disposeSeq2SeqBatch, MODEL_DIR, beginStageRun, resolveDataset, seq2seqBatch, SUITE_DATASET, trainingConfig, TrainingSchema, type Seq2SeqBatch, type StageStep, type StageResult } from './common.ts'

export const BackboneParams = z.strictObject({
  dataset: z.string().default(SUITE_DATASET).describe('Dataset to train on: \'suite\' (built-in instruction suite), a workspace dataset id, or a folder path.'),
  fromCheckpoint: z.string().nullable().default(null).describe('Hugging Face T5 folder (config.json, model.safetensors, tokenizer.json) used as is, no training; null trains one.'),
  preset: z.enum(T5_PRESETS).default('tiny').describe('Model size trained from scratch: \'tiny\' runs in minutes on a CPU, \'small\' in hours.'),
  // 1000 pieces cover the suite's small English vocabulary whole words at a time; SNI wants more.
  vocabSize: z.number().int().min(64).default(1000).describe('Pieces of the trained tokenizer; 1000 covers the suite\'s vocabulary, SNI wants more.'),
  instancesPerTask: z.number().int().positive().default(100).describe('Instances per task read for the pretraining corpus (paper: 100).'),
  maxTokens: z.number().int().min(8).default(64).describe('Tokens per packed sequence before corruption.'),
  spanCorruption: z.number().min(0).max(1).default(0.5).describe('Share of span-corruption examples (inputs with sentinels → the dropped spans); the rest is prefix LM or reconstruction.'),
  reconstruction: z.number().min(0).max(1).default(0).describe('Share of reconstruction examples (corrupted input → whole original text, T5\'s BERT-style objective); teaches the copy path.'),
  dropout: z.number().min(0).lt(1).nullable().default(null).describe('Override the preset\'s dropout; null keeps the preset\'s 0.1.'),
  training: TrainingSchema.default({ steps: 600, batchSize: 16, learningRate: 2e-3, warmupFraction: 0.02, decay: 'constant', checkpointEvery: 50, seed: 42 }).describe('Optimiser steps, batch size, learning rate, schedule, checkpoint interval and seed.'),
  resume: z.string().nullable().default(null).describe('Run id to resume from its last checkpoint; null starts a new run.'),
  name: z.string().nullable().default(null).describe('Display name of the run; null names it after the stage.'),
})
export type BackboneParams = z.output<typeof BackboneParams>

/** The prompt template's fixed words, so the tokenizer has pieces for them (data/prompts.ts). */
export const TEMPLATE_TEXT = 'Definition: Positive Example 1 - Input: Output: Negative Example 2 - Now complete the following example - Explanation:'

/** Token ids of the corpus texts, concatenated from `start` (wrapping) up to `maxTokens`. */
function packFrom(texts: readonly number[][], start: number, maxTokens: number): number[] {
  const out: number[] = []
  for (let i = start; out.length < maxTokens; i = (i + 1) % texts.length) {
    out.push(...texts[i]!.slice(0, maxTokens - out.length))
    if (i === (start + texts.length - 1) % texts.length) break
  }
  return out
}

/**
 * The backbone's step: each row packs corpus texts from its index, then span corruption (share
 * `spanCorruption`), reconstruction (share `reconstruction`) or prefix LM; the loss is label cross-entropy
 * of the whole model, dropout on.
 */
export function backboneStep(
  model: T5Model,
  tokenizer: TextTokenizer,
  corpus: readonly string[],
  params: Pick<BackboneParams, 'maxTokens' | 'spanCorruption' | 'reconstruction'>,
): StageStep<Seq2SeqBatch> {
  const texts = corpus.map((text) => tokenizer.encode(text, { addEos: false })).filter((ids) => ids.length >= 2)
  const corruption = { eosId: tokenizer.eosId, sentinelId: (i: number) => tokenizer.sentinelId(i), ...DEFAULT_SPAN_CORRUPTION }
  return {
    itemCount: texts.length,
    makeBatch: (indices: number[], rng: Rng) =>
      seq2seqBatch(
        indices.map((i) => {
          const tokens = packFrom(texts, i, params.maxTokens - 1)
          const draw = rng.next()
          if (tokens.length < 3 || draw >= params.spanCorruption + params.reconstruction) {
            const { inputs, targets } = prefixLm(tokens, rng, corruption)
            return { source: inputs, target: targets }
          }
          const { inputs, targets } = spanCorrupt(tokens, rng, corruption)
          return { source: inputs, target: draw < params.spanCorruption ? targets : [...tokens, tokenizer.eosId] }
        }),
        tokenizer.padId,
        tokenizer.decoderStartId,
      ),
    lossFn: (batch) => {
      const logits = batchLogits(model, batch, { training: true })
      const ce = labelCrossEntropy(logits, batch.labels, batch.targetMask)
      return { loss: ce, terms: { ce } }
    },
    batchTokens: (batch) => batch.tokens,
    disposeBatch: disposeSeq2SeqBatch,
  }
}

export async function runBackboneStage(params: BackboneParams, ctx: JobContext, onRun?: (runId: string) => void): Promise<StageResult> {
  const workspace = new Workspace(ctx.workspaceDir)
  const data = await resolveDataset(workspace, params.dataset, params.instancesPerTask)
  const { run, config, finished } = beginStageRun(workspace, 'backbone', params, { schema: BackboneParams, parents: { dataset: data.ref }, onRun })
  if (finished) return finished
  const modelDir = run.path(MODEL_DIR)
  mkdirSync(modelDir, { recursive: true })

  if (params.fromCheckpoint) {
    ctx.log(`backbone: Hugging Face checkpoint ${params.fromCheckpoint}`)
    const model = await T5Model.load(params.fromCheckpoint)
    const tokenizer = await loadTokenizer(params.fromCheckpoint)
    model.save(modelDir)
    tokenizer.save(modelDir)
    const summary = { source: params.fromCheckpoint, vocabSize: model.config.vocabSize, dModel: model.config.dModel }
    model.dispose()
    run.update({ status: 'completed', summary })
    return { runId: run.id, stage: 'backbone', summary }
  }

  const corpus = corpusFromTasks(data.train)
  // The tokenizer is saved before training starts, so a resumed run keeps the very same vocabulary.
  let tokenizer: TextTokenizer
  if (existsSync(`${modelDir}/tokenizer.json`)) tokenizer = await loadTokenizer(modelDir)
  else {
    tokenizer = trainTokenizer([...corpus, TEMPLATE_TEXT], { vocabSize: params.vocabSize })
    tokenizer.save(modelDir)
  }
  const t5 = t5Preset(params.preset, tokenizer.vocabSize)
  if (params.dropout !== null) t5.dropoutRate = params.dropout
  if (params.spanCorruption + params.reconstruction > 1) {
    throw new Error(`backbone: spanCorruption (${params.spanCorruption}) + reconstruction (${params.reconstruction}) must not exceed 1`)
  }
  const training = trainingConfig(params.training)
  const model = T5Model.init(t5, training.seed)
  const step = backboneStep(model, tokenizer, corpus, params)
  ctx.log(`backbone: ${params.preset} T5 (${t5.dModel}d, vocab ${t5.vocabSize}) from scratch on ${step.itemCount} texts of ${data.train.length} training tasks`)

  const result = await train<Seq2SeqBatch>({ run, config: training, stageConfig: config, trainable: model.weights(), ...step, ctx })
  model.save(modelDir)
  model.dispose()
  const summary = { finalLoss: result.finalLoss, steps: result.steps, seconds: result.seconds, vocabSize: t5.vocabSize, preset: params.preset }
  run.update({ status: 'completed', summary })
  return { runId: run.id, stage: 'backbone', summary }
}

export const backboneJob = defineJobKind({
  kind: 'train-backbone',
  title: 'Backbone',
  description: 'Pretrain a T5 preset from scratch on the dataset text (span corruption + prefix LM), or take a Hugging Face checkpoint from disk.',
  params: BackboneParams,
  run: (params, ctx) => runBackboneStage(params, ctx),
})
