/**
 * The T5 `OptionScorer` for rank classification (tagi-method.md §6.2; TAGI `p3_trainer.py: prediction_step`
 * with fairseq's `label_smoothed_nll_loss`, ε = 0, per-instance average): every option is tokenized with EOS,
 * teacher-forced after the decoder start token, and scored by the mean negative log-likelihood of its
 * tokens. The (input, option) pairs of several instances are flattened into one batch of rows.
 */
import { tf } from '../backend/index.ts'
import type { T5Model } from '../models/t5/index.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'
import { conditioningForBatch, disposeBatchConditioning, type TaskConditioning } from './conditioning.ts'
import { encodeTruncated, padBatch } from './model-io.ts'
import type { OptionScorer } from './rank-classification.ts'

export interface T5OptionScorerConfig {
  /** Encoder input limit; 512 as TAGI's P3 setting (tagi-method.md §5.3). */
  maxSourceTokens: number
  /** Option limit (EOS included); 64 as TAGI's P3 output length. */
  maxOptionTokens: number
  /** (input, option) rows per forward pass: bounds the (rows, T, vocab) logits in memory. */
  rowsPerBatch: number
}

export const DEFAULT_T5_OPTION_SCORER_CONFIG: T5OptionScorerConfig = { maxSourceTokens: 512, maxOptionTokens: 64, rowsPerBatch: 16 }

/**
 * Mean NLL of each option given its input under `model`, optionally with a task's adapters / fused memory
 * (batch-1 tensors, broadcast to every row).
 */
export function t5OptionScorer(
  model: T5Model,
  tokenizer: TextTokenizer,
  conditioning?: TaskConditioning,
  config: Partial<T5OptionScorerConfig> = {},
): OptionScorer {
  const { maxSourceTokens, maxOptionTokens, rowsPerBatch } = { ...DEFAULT_T5_OPTION_SCORER_CONFIG, ...config }
  return async (inputs, options) => {
    if (options.length !== inputs.length) throw new Error(`t5OptionScorer: ${inputs.length} inputs but ${options.length} option lists`)
    const rows: { input: number[]; option: number[] }[] = []
    inputs.forEach((input, i) => {
      const encoded = encodeTruncated(tokenizer, input, maxSourceTokens)
      for (const option of options[i]!) rows.push({ input: encoded, option: encodeTruncated(tokenizer, option, maxOptionTokens) })
    })
    const nll: number[] = []
    for (let start = 0; start < rows.length; start += rowsPerBatch) {
      nll.push(...(await meanNll(model, tokenizer, rows.slice(start, start + rowsPerBatch), conditioning)))
    }
    let next = 0
    return options.map((list) => list.map(() => nll[next++]!))
  }
}

async function meanNll(
  model: T5Model,
  tokenizer: TextTokenizer,
  rows: { input: number[]; option: number[] }[],
  conditioning: TaskConditioning | undefined,
): Promise<number[]> {
  const encoder = padBatch(
    rows.map((r) => r.input),
    tokenizer.padId,
  )
  // Decoder input = [start, option[:-1]]: position t predicts option[t].
  const decoder = padBatch(
    rows.map((r) => [model.config.decoderStartTokenId, ...r.option.slice(0, -1)]),
    tokenizer.padId,
  )
  const batchConditioning = conditioningForBatch(conditioning, rows.length)
  try {
    const sums = tf.tidy(() => {
      const { logits } = model.forward(
        { inputIds: encoder.ids, attentionMask: encoder.mask, decoderInputIds: decoder.ids },
        { adapters: batchConditioning.adapters, extraMemory: batchConditioning.extraMemory },
      )
      const [b, t, v] = logits.shape
      const logProbs = tf.reshape(tf.logSoftmax(logits), [b * t * v]) // (B·T·V)
      // Flat index of each target token's log-probability; pad positions point at index 0 and are masked out.
      const flatIndex = new Int32Array(b * t)
      const mask = new Float32Array(b * t)
      rows.forEach((row, i) => {
        row.option.forEach((token, j) => {
          flatIndex[i * t + j] = (i * t + j) * v + token
          mask[i * t + j] = 1
        })
      })
      const picked = tf.reshape(tf.gather(logProbs, tf.tensor1d(flatIndex, 'int32')), [b, t]) // (B, T)
      return tf.neg(tf.sum(tf.mul(picked, tf.tensor2d(mask, [b, t])), 1)) // (B,) summed NLL
    })
    const summed = (await sums.data()) as Float32Array
    sums.dispose()
    return rows.map((row, i) => summed[i]! / row.option.length)
  } finally {
    tf.dispose([encoder.ids, encoder.mask, decoder.ids, decoder.mask])
    disposeBatchConditioning(batchConditioning)
  }
}
