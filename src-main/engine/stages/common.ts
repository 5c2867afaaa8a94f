/**
 * What every TAGI stage shares: the dataset a stage reads, its run folder (run.json with the resolved
 * config, stage and parents; metrics.jsonl; checkpoint/), the model folder a stage leaves behind, and
 * seq2seq batches. Stages are job kinds (jobs/job-kind.ts): the studio and the CLI run the same code.
 */
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { tf } from '../backend/index.ts'
import { INSTRUCTION_SUITE_DIR } from '../data/index.ts'
import { openDataset } from '../data/datasets.ts'
import { loadDataset, tasksOf, type SniDataset } from '../data/sni/loader.ts'
import type { SniTask } from '../data/sni/task.ts'
import { T5Model, type ForwardOptions } from '../models/t5/index.ts'
import type { Run, RunRecord } from '../store/run-store.ts'
import { Workspace } from '../store/workspace.ts'
import { loadTokenizer, type TextTokenizer } from '../tokenizers/index.ts'
import type { TrainerSpec, TrainingConfig } from '../training/index.ts'

/** The dataset name that means the built-in instruction suite (resources/instruction-suite). */
export const SUITE_DATASET = 'suite'
/** The folder inside a run that holds a Hugging Face T5 (config.json, model.safetensors, tokenizer.json). */
export const MODEL_DIR = 'model'

export const TrainingSchema = z.strictObject({
  steps: z.number().int().positive().describe('Optimiser updates in the whole run.'),
  batchSize: z.number().int().positive().describe('Examples per optimiser update.'),
  learningRate: z.number().positive().describe('Peak AdamW learning rate.'),
  // 2% linear warmup then constant: the paper's schedule (tagi-method.md §4).
  warmupFraction: z.number().min(0).lt(1).default(0.02).describe('Share of the steps spent warming up linearly from 0; 2% is the paper\'s schedule.'),
  decay: z.enum(['constant', 'linear']).default('constant').describe('After warmup: \'constant\' (paper) or \'linear\' decay to 0 at the last step.'),
  checkpointEvery: z.number().int().positive().default(50).describe('Write a resumable checkpoint every this many steps (and at the last one).'),
  seed: z.number().int().default(42).describe('Seeds the initialisation, the data order and label sampling, so a run can be repeated.'),
})

export function trainingConfig(input: z.input<typeof TrainingSchema>): TrainingConfig {
  return TrainingSchema.parse(input)
}

/**
 * What defines a stage's training step apart from the loop: how a batch is built and what its loss is.
 * Each stage exports a function returning it, so bench/ can time exactly the stage's own step.
 */
export type StageStep<Batch> = Pick<TrainerSpec<Batch>, 'itemCount' | 'makeBatch' | 'lossFn' | 'batchTokens' | 'disposeBatch'>

export interface LoadedDataset {
  dataset: SniDataset
  /** What run.json records as the dataset parent: 'suite', a workspace dataset id, or an absolute path. */
  ref: string
  train: SniTask[]
  test: SniTask[]
}

/**
 * `ref` is 'suite' (the built-in instruction suite), a folder of SNI task files with a train/test split,
 * or the id of a dataset imported into the workspace.
 */
export async function resolveDataset(workspace: Workspace, ref: string, instancesPerTask: number): Promise<LoadedDataset> {
  let dataset: SniDataset
  let recorded: string
  if (ref === SUITE_DATASET) {
    dataset = await loadDataset(INSTRUCTION_SUITE_DIR, { instancesPerTask })
    recorded = SUITE_DATASET
  } else if (existsSync(ref) && statSync(ref).isDirectory()) {
    dataset = await loadDataset(ref, { instancesPerTask })
    recorded = resolve(ref)
  } else if (existsSync(join(workspace.datasetsDir, ref))) {
    dataset = (await openDataset(workspace, ref)).dataset
    recorded = ref
  } else {
    throw new Error(`dataset '${ref}' is neither '${SUITE_DATASET}', a folder, nor a dataset of the workspace ${workspace.root}`)
  }
  if (!dataset.splits) throw new Error(`dataset '${ref}' has no train/test split; the TAGI stages need one (train tasks to learn from, test tasks held out)`)
  const train = tasksOf(dataset, 'train').map((task) => ({ ...task, instances: task.instances.slice(0, instancesPerTask) }))
  const test = tasksOf(dataset, 'test').map((task) => ({ ...task, instances: task.instances.slice(0, instancesPerTask) }))
  if (train.length === 0) throw new Error(`dataset '${ref}' has no training tasks`)
  return { dataset, ref: recorded, train, test }
}

/** The teacher-LoRA group of a task: its primary SNI category (tagi-method.md §3.1). */
export function taskGroup(task: SniTask): string {
  return task.categories[0] ?? 'Uncategorized'
}

/**
 * Open the run of a stage: a new one, or (with `resumeId`) an existing run of the same stage made with the
 * same config, whose checkpoint the trainer will continue from. With the stage's params `schema`, the saved
 * config is read through it first, so a run saved by an older version (a default added since, a value
 * spelled the old way) compares as it parses today.
 */
export function openStageRun(
  workspace: Workspace,
  init: { stage: string; config: Record<string, unknown>; parents: RunRecord['parents']; name?: string; resumeId?: string; schema?: z.ZodType },
): Run {
  if (!init.resumeId) return workspace.runs.create({ stage: init.stage, config: init.config, parents: init.parents, name: init.name })
  const run = workspace.runs.open(init.resumeId)
  if (run.record.stage !== init.stage) throw new Error(`run ${run.id} is a '${run.record.stage}' run, not '${init.stage}'`)
  let saved = run.record.config
  if (init.schema) {
    const parsed = init.schema.safeParse(saved)
    if (!parsed.success) throw new Error(`run ${run.id}: its saved config does not parse as '${init.stage}' params (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`)
    saved = withoutRunFields(parsed.data as Record<string, unknown>)
  }
  if (JSON.stringify(saved) !== JSON.stringify(init.config)) {
    const differing = Object.keys({ ...saved, ...init.config }).filter((key) => JSON.stringify(saved[key]) !== JSON.stringify(init.config[key]))
    throw new Error(`run ${run.id} was made with another config (differs in: ${differing.join(', ')}); resume it with the same options`)
  }
  return run
}

/** Params less the fields that name the run rather than configure it (what a run saves as its config). */
function withoutRunFields<P extends Record<string, unknown>>({ resume: _resume, name: _name, ...config }: P): Omit<P, 'resume' | 'name'> {
  return config
}

/** What a stage returns: its run, and the summary it wrote there. */
export interface StageResult {
  runId: string
  stage: string
  summary: Record<string, unknown>
}

/**
 * A training stage's run from its params: a new run, or the `resume` run after its config is checked; `onRun`
 * hears its id at once. `config` is what the run saves (params less `resume` and `name`); `finished` is the
 * result to return as is when the run had already completed (a resumed pipeline reuses its finished stages).
 */
export function beginStageRun<P extends { resume: string | null; name: string | null }>(
  workspace: Workspace,
  stage: string,
  params: P,
  opts: { schema: z.ZodType; parents: RunRecord['parents']; defaultName?: string; onRun?: (runId: string) => void },
): { run: Run; config: Omit<P, 'resume' | 'name'>; finished: StageResult | null } {
  const config = withoutRunFields(params)
  const run = openStageRun(workspace, { stage, config, parents: opts.parents, name: params.name ?? opts.defaultName, resumeId: params.resume ?? undefined, schema: opts.schema })
  opts.onRun?.(run.id)
  const finished = run.record.status === 'completed' ? { runId: run.id, stage, summary: run.record.summary } : null
  return { run, config, finished }
}

/** Load the T5 (and its tokenizer) that a run left in its model folder. */
export async function loadRunModel(workspace: Workspace, runId: string, stages: string[]): Promise<{ run: Run; model: T5Model; tokenizer: TextTokenizer }> {
  const run = workspace.runs.open(runId)
  if (!stages.includes(run.record.stage)) throw new Error(`run ${runId} is a '${run.record.stage}' run; expected one of: ${stages.join(', ')}`)
  if (run.record.status !== 'completed') throw new Error(`run ${runId} has status '${run.record.status}'; it must be completed first`)
  const dir = run.path(MODEL_DIR)
  return { run, model: await T5Model.load(dir), tokenizer: await loadTokenizer(dir) }
}

/**
 * Which weights a hypernetwork stage trains (decisions.md §1 point 7): 'hypernetwork' = the pooler and the
 * generators only, the backbone frozen (paper figure); 'code' = also the backbone's token embedding and every
 * layer-norm scale, the released code's freeze rule.
 */
export const HyperTrainableSchema = z
  .enum(['hypernetwork', 'code'])
  .default('hypernetwork')
  .describe("'hypernetwork': only the pooler and generators learn, the backbone stays frozen (paper figure); 'code': also the token embedding and layer norms (released code), saved with the run.")
export type HyperTrainable = z.output<typeof HyperTrainableSchema>

/** The backbone weights the 'code' trainable set adds, keyed `backbone.<HF key>` beside the hypernetwork's. */
export function codeTrainableWeights(model: T5Model): Map<string, tf.Variable> {
  const weights = new Map<string, tf.Variable>()
  for (const [key, v] of model.weights()) if (key === 'shared.weight' || key.endsWith('layer_norm.weight')) weights.set(`backbone.${key}`, v)
  return weights
}

/**
 * The backbone a hypernetwork stage adapts: the run's own copy when a parent hypernetwork run trained embeddings
 * and norms ('code' trainable set), else the backbone run's model.
 */
export async function loadHyperBackbone(workspace: Workspace, backbone: string, parent: Run | null): Promise<{ model: T5Model; tokenizer: TextTokenizer }> {
  const own = parent?.path(MODEL_DIR)
  if (own && existsSync(own)) return { model: await T5Model.load(own), tokenizer: await loadTokenizer(own) }
  return loadRunModel(workspace, backbone, ['backbone'])
}

/** Tensors of one teacher-forced seq2seq batch (right-padded; decoder input = labels shifted right). */
export interface Seq2SeqBatch {
  inputIds: tf.Tensor2D // (B, S)
  attentionMask: tf.Tensor2D // (B, S)
  decoderInputIds: tf.Tensor2D // (B, T)
  labels: tf.Tensor2D // (B, T) target ids, 0 on padding
  targetMask: tf.Tensor2D // (B, T) 1 on real target tokens
  /** Real tokens in the batch (encoder + decoder), for tokens/s. */
  tokens: number
}

export function seq2seqBatch(rows: readonly { source: number[]; target: number[] }[], padId: number, decoderStartId: number): Seq2SeqBatch {
  const b = rows.length
  const s = Math.max(1, ...rows.map((r) => r.source.length))
  const t = Math.max(1, ...rows.map((r) => r.target.length))
  const ids = new Int32Array(b * s).fill(padId)
  const mask = new Float32Array(b * s)
  const decoder = new Int32Array(b * t).fill(padId)
  const labels = new Int32Array(b * t).fill(padId)
  const targetMask = new Float32Array(b * t)
  let tokens = 0
  rows.forEach(({ source, target }, i) => {
    ids.set(source, i * s)
    mask.fill(1, i * s, i * s + source.length)
    labels.set(target, i * t)
    targetMask.fill(1, i * t, i * t + target.length)
    decoder[i * t] = decoderStartId
    decoder.set(target.slice(0, t - 1), i * t + 1)
    tokens += source.length + target.length
  })
  return {
    inputIds: tf.tensor2d(ids, [b, s], 'int32'),
    attentionMask: tf.tensor2d(mask, [b, s]),
    decoderInputIds: tf.tensor2d(decoder, [b, t], 'int32'),
    labels: tf.tensor2d(labels, [b, t], 'int32'),
    targetMask: tf.tensor2d(targetMask, [b, t]),
    tokens,
  }
}

/** Teacher-forced logits (B, T, V) of a batch; labels are not passed, the stage computes its own losses. */
export function batchLogits(model: T5Model, batch: Seq2SeqBatch, opts: ForwardOptions = {}): tf.Tensor3D {
  // The forward also returns the encoder states; tidy releases them and keeps the logits.
  return tf.tidy(() => model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, decoderInputIds: batch.decoderInputIds }, opts).logits)
}

export function disposeSeq2SeqBatch(batch: Seq2SeqBatch): void {
  tf.dispose([batch.inputIds, batch.attentionMask, batch.decoderInputIds, batch.labels, batch.targetMask])
}
