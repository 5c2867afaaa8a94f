/**
 * Supervised finetuning on instances, reading the full prompt: the loop shared by stage (b), meta-training
 * (every weight of the backbone, as Tk-Instruct), and stage (c), the teacher LoRAs (only the LoRA factors).
 * Loss: label cross-entropy over the target tokens (tagi-method.md §3.1).
 */
import type { SniTask } from '../data/sni/task.ts'
import type { tf } from '../backend/index.ts'
import { labelCrossEntropy } from '../losses/index.ts'
import type { LoraSet } from '../models/lora/index.ts'
import type { T5Model } from '../models/t5/index.ts'
import type { Run } from '../store/run-store.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'
import { train, type TrainingConfig, type TrainingContext, type TrainingResult } from '../training/index.ts'
import { batchLogits, disposeSeq2SeqBatch, seq2seqBatch, type Seq2SeqBatch, type StageStep } from './common.ts'
import { buildInstanceExamples, sampleRows, type PromptOptions } from './examples.ts'

export interface SupervisedSpec {
  run: Run
  model: T5Model
  tokenizer: TextTokenizer
  tasks: readonly SniTask[]
  prompt: PromptOptions
  training: TrainingConfig
  stageConfig: Record<string, unknown>
  trainable: Map<string, tf.Variable>
  /** Static adapters applied in every forward (a teacher LoRA being trained). */
  adapters?: LoraSet
  ctx: TrainingContext
}

/** The supervised step: full-prompt instances, one reference drawn per row, label cross-entropy. */
export function supervisedStep(model: T5Model, tokenizer: TextTokenizer, tasks: readonly SniTask[], prompt: PromptOptions, adapters?: LoraSet): StageStep<Seq2SeqBatch> {
  const examples = buildInstanceExamples(tasks, 'full-prompt', prompt, tokenizer)
  return {
    itemCount: examples.length,
    makeBatch: (indices, rng) => seq2seqBatch(sampleRows(examples, indices, rng), tokenizer.padId, tokenizer.decoderStartId),
    lossFn: (batch) => {
      const logits = batchLogits(model, batch, { training: true, adapters })
      const ce = labelCrossEntropy(logits, batch.labels, batch.targetMask)
      return { loss: ce, terms: { ce } }
    },
    batchTokens: (batch) => batch.tokens,
    disposeBatch: disposeSeq2SeqBatch,
  }
}

export async function trainSupervised(spec: SupervisedSpec): Promise<TrainingResult> {
  const step = supervisedStep(spec.model, spec.tokenizer, spec.tasks, spec.prompt, spec.adapters)
  spec.ctx.log(`${spec.run.record.stage}: ${step.itemCount} instances of ${spec.tasks.length} task(s), full prompt (${spec.prompt.setting})`)
  return train<Seq2SeqBatch>({ run: spec.run, config: spec.training, stageConfig: spec.stageConfig, trainable: spec.trainable, ...step, ctx: spec.ctx })
}
