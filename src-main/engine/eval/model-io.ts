/**
 * Token-level helpers shared by the T5 evaluators: encoding with truncation the way a Hugging Face
 * tokenizer does with `truncation=True, max_length=N` for T5 (the first N−1 tokens, then EOS), and right-padded
 * int32 batches with their attention masks.
 */
import { tf } from '../backend/index.ts'
import type { TokenCounter } from '../data/prompts.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'

/** Encode with EOS, keeping at most `maxTokens` tokens (the last one always EOS). */
export function encodeTruncated(tokenizer: TextTokenizer, text: string, maxTokens: number): number[] {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`maxTokens must be a positive integer, got ${maxTokens}`)
  const ids = tokenizer.encode(text)
  return ids.length <= maxTokens ? ids : [...ids.slice(0, maxTokens - 1), tokenizer.eosId]
}

/** Right-pad rows to the longest: ids (B, T) with `padValue`, mask (B, T) with 1 on real tokens. */
export function padBatch(rows: readonly number[][], padValue: number): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const width = Math.max(1, ...rows.map((row) => row.length))
  const ids = new Int32Array(rows.length * width).fill(padValue)
  const mask = new Int32Array(rows.length * width)
  rows.forEach((row, b) => {
    ids.set(row, b * width)
    mask.fill(1, b * width, b * width + row.length)
  })
  return { ids: tf.tensor2d(ids, [rows.length, width], 'int32'), mask: tf.tensor2d(mask, [rows.length, width], 'int32') }
}

/**
 * The prompt builder's view of a tokenizer: counts include EOS (the collator measures
 * `len(tokenizer(text)["input_ids"])`), and truncation decodes the first ids with special tokens skipped.
 */
export function tokenCounterFor(tokenizer: TextTokenizer): TokenCounter {
  return {
    countTokens: (text) => tokenizer.encode(text).length,
    truncateToTokens: (text, maxTokens) => tokenizer.decode(tokenizer.encode(text).slice(0, maxTokens), { skipSpecialTokens: true }),
  }
}
