/**
 * Stage (d): hypernetwork pretraining on unlabeled text (tagi-method.md §3.2, HINT's procedure, paper Eq. 3).
 * Each packed token sequence is split a | b | c: the frozen encoder (or the hypernetwork's trainable copy) reads a, the hypernetwork turns it into
 * an adapter (and, with fusion, a's states join the decoder memory); the adapted backbone reads b and is
 * trained to produce c. Loss: L_pred only. By default only the pooler and the generators learn (decisions.md §1
 * point 7; `trainable: 'code'` adds embeddings and norms); fusion is on when the hypernetwork's config says so (§3.2 leaves it open; §10.2 assumes on).
 */
import { z } from 'zod'
import { tf } from '../backend/index.ts'
import { corpusFromTasks, splitAbc } from '../data/pretraining.ts'
import { padBatch } from '../eval/model-io.ts'
import { defineJobKind, type JobContext } from '../jobs/job-kind.ts'
import { labelCrossEntropy } from '../losses/index.ts'
import { adaptersForBatch, encodeInstructionIds, HyperConfigSchema, HyperNetwork, type InstructionEncoding } from '../models/hyper/index.ts'
import type { T5Model } from '../models/t5/index.ts'
import { Workspace } from '../store/workspace.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'
import { train } from '../training/index.ts'
import { batchLogits, codeTrainableWeights, disposeSeq2SeqBatch, HyperTrainableSchema, loadRunModel, MODEL_DIR, beginStageRun, resolveDataset, seq2seqBatch, SUITE_DATASET, trainingConfig, TrainingSchema, type Seq2SeqBatch, type StageStep, type StageResult } from './common.ts'

/** The folder inside a hypernetwork run that holds it (hyper_config.json + hypernetwork.safetensors). */
export const HYPER_DIR = 'hypernetwork'

export const TinyHyperDefaults = { rank: 4 } as const

export const HyperPretrainParams = z.strictObject({
  backbone: z.string().min(1).describe('Backbone run id (frozen; its encoder reads the a part).'),
  dataset: z.string().default(SUITE_DATASET).describe('Dataset whose texts form the unlabeled corpus: \'suite\', a workspace dataset id, or a folder path.'),
  instancesPerTask: z.number().int().positive().default(100).describe('Instances per task read into the corpus (paper: 100).'),
  hyper: HyperConfigSchema.prefault(TinyHyperDefaults).describe('Hypernetwork architecture (rank, widths, generator layout, init, pooling, fusion).'),
  maxSequenceTokens: z.number().int().min(4).default(96).describe('Tokens per packed sequence before the a | b | c split (paper: 1024, scaled to the tiny model\'s texts).'),
  maxPartTokens: z.number().int().min(2).default(64).describe('Cap of each part, EOS included (HINT: 512).'),
  trainable: HyperTrainableSchema,
  training: TrainingSchema.default({ steps: 150, batchSize: 16, learningRate: 1e-3, warmupFraction: 0.02, decay: 'constant', checkpointEvery: 50, seed: 42 }).describe('Optimiser steps, batch size, learning rate, schedule, checkpoint interval and seed.'),
  resume: z.string().nullable().default(null).describe('Run id to resume from its last checkpoint; null starts a new run.'),
  name: z.string().nullable().default(null).describe('Display name of the run; null names it after the stage.'),
})
export type HyperPretrainParams = z.output<typeof HyperPretrainParams>

export interface AbcBatch {
  seq: Seq2SeqBatch
  /** (B, S_a) ids and mask of the a parts. */
  instructionIds: { ids: tf.Tensor2D; mask: tf.Tensor2D }
  /** a through the frozen backbone encoder, computed with the batch; null with a 'trainable-copy' encoder (encoded in the loss). */
  encoding: InstructionEncoding | null
  /** Real tokens of a, b and c. */
  tokens: number
}

/**
 * The pretraining step: each row is one packed sequence split a | b | c; a goes through the frozen encoder
 * (outside the gradient tape) to the hypernetwork, the adapted backbone reads b and predicts c (L_pred).
 */
export function hyperPretrainStep(
  model: T5Model,
  tokenizer: TextTokenizer,
  hyper: HyperNetwork,
  corpus: readonly string[],
  params: Pick<HyperPretrainParams, 'maxSequenceTokens' | 'maxPartTokens'>,
): StageStep<AbcBatch> {
  // Sequences: the training tasks' texts, packed to maxSequenceTokens (same corpus as the backbone's).
  const flat = corpus.map((text) => tokenizer.encode(text, { addEos: false })).flat()
  const sequences: number[][] = []
  for (let start = 0; start + 4 <= flat.length; start += params.maxSequenceTokens) sequences.push(flat.slice(start, start + params.maxSequenceTokens))
  const split = { eosId: tokenizer.eosId, maxSequenceTokens: params.maxSequenceTokens, maxPartTokens: params.maxPartTokens }
  const masked = hyper.config.pooling === 'masked'
  const trainableEncoder = hyper.config.instructionEncoder === 'trainable-copy'
  return {
    itemCount: sequences.length,
    makeBatch: (indices, rng) => {
      const parts = indices.map((i) => splitAbc(sequences[i]!, rng, split))
      const seq = seq2seqBatch(parts.map((p) => ({ source: p.encoderInput, target: p.target })), tokenizer.padId, tokenizer.decoderStartId)
      // a → frozen encoder, outside the gradient tape; a trainable copy must encode inside the loss instead.
      const instructionIds = padBatch(parts.map((p) => p.hyperInput), tokenizer.padId)
      const encoding = trainableEncoder ? null : encodeInstructionIds(model, instructionIds.ids, instructionIds.mask, masked)
      return { seq, instructionIds, encoding, tokens: seq.tokens + parts.reduce((sum, p) => sum + p.hyperInput.length, 0) }
    },
    lossFn: ({ seq, instructionIds, encoding: frozen }) => {
      const encoding = frozen ?? encodeInstructionIds(model, instructionIds.ids, instructionIds.mask, masked, hyper.instructionEncoderWeights(model))
      const adapters = adaptersForBatch(hyper.generate(encoding.pooled))
      const extraMemory = hyper.fusedMemory(encoding)
      const logits = batchLogits(model, seq, { training: true, adapters, extraMemory })
      const ce = labelCrossEntropy(logits, seq.labels, seq.targetMask)
      return { loss: ce, terms: { ce } }
    },
    batchTokens: (batch) => batch.tokens,
    disposeBatch: ({ seq, instructionIds, encoding }) => {
      disposeSeq2SeqBatch(seq)
      tf.dispose([instructionIds.ids, instructionIds.mask])
      if (encoding) tf.dispose([encoding.pooled, encoding.states, encoding.mask])
    },
  }
}

export async function runHyperPretrainStage(params: HyperPretrainParams, ctx: JobContext, onRun?: (runId: string) => void): Promise<StageResult> {
  const workspace = new Workspace(ctx.workspaceDir)
  const data = await resolveDataset(workspace, params.dataset, params.instancesPerTask)
  const { run, config, finished } = beginStageRun(workspace, 'hyper-pretrain', params, { schema: HyperPretrainParams, parents: { dataset: data.ref, backbone: params.backbone }, onRun })
  if (finished) return finished
  const { model, tokenizer } = await loadRunModel(workspace, params.backbone, ['backbone'])
  const training = trainingConfig(params.training)
  const hyper = HyperNetwork.create(model.config, params.hyper, training.seed, model)
  const step = hyperPretrainStep(model, tokenizer, hyper, corpusFromTasks(data.train), params)
  ctx.log(`hyper-pretrain: ${step.itemCount} sequences of ≤ ${params.maxSequenceTokens} tokens, ${hyper.parameterCount()} hypernetwork parameters`)
  try {
    const trainable = new Map(hyper.variables)
    if (params.trainable === 'code') for (const [key, v] of codeTrainableWeights(model)) trainable.set(key, v)
    const result = await train<AbcBatch>({ run, config: training, stageConfig: config, trainable, ...step, ctx })
    hyper.save(run.path(HYPER_DIR))
    // The code's trainable set changed the backbone's embeddings and norms too: keep that backbone with the run.
    if (params.trainable === 'code') {
      model.save(run.path(MODEL_DIR))
      tokenizer.save(run.path(MODEL_DIR))
    }
    const summary = { finalLoss: result.finalLoss, steps: result.steps, seconds: result.seconds, parameters: hyper.parameterCount() }
    run.update({ status: 'completed', summary })
    return { runId: run.id, stage: 'hyper-pretrain', summary }
  } finally {
    model.dispose()
    hyper.dispose()
  }
}

export const hyperPretrainJob = defineJobKind({
  kind: 'hyper-pretrain',
  title: 'Hypernetwork pretraining',
  description: 'Pretrain the hypernetwork on unlabeled text split a | b | c (a → adapter, b → encoder, c → target), L_pred only.',
  params: HyperPretrainParams,
  run: (params, ctx) => runHyperPretrainStage(params, ctx),
})
