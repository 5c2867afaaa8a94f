/**
 * The instruction encoder: by default the frozen backbone's own encoder (decisions.md §1 point 3, the paper's
 * "derived from the vanilla LLM", as HINT), run once per distinct instruction. It yields what the hypernetwork
 * needs: the pooled first+last states (pooler.ts) and the final states that are fused into the decoder's
 * cross-attention memory (tagi-method.md §2.5). With the frozen encoder nothing here is trained, so callers run
 * it outside the gradient tape and may cache it per task; with the hypernetwork's 'trainable-copy' (`weights` =
 * `hyper.instructionEncoderWeights(model)`) it must run inside the loss so the copy gets gradients.
 */
import { tf } from '../../backend/index.ts'
import { encodeTruncated, padBatch } from '../../eval/model-io.ts'
import type { TextTokenizer } from '../../tokenizers/index.ts'
import { runEncoder } from '../t5/encoder.ts'
import type { T5Model } from '../t5/index.ts'
import type { InstructionEncoding } from './hypernetwork.ts'
import { poolFirstLast } from './pooler.ts'

/**
 * @param ids  (U, S) instruction token ids
 * @param mask (U, S) 1 for real tokens
 */
export function encodeInstructionIds(model: T5Model, ids: tf.Tensor2D, mask: tf.Tensor2D, masked = true, weights = model.weights() as Map<string, tf.Tensor>): InstructionEncoding {
  return tf.tidy(() => {
    const blocks: tf.Tensor3D[] = []
    const ctx = { config: model.config, weights, training: false }
    const last = runEncoder(ctx, ids, mask, { blockOutputs: blocks }) // (U, S, d)
    // Hugging Face hidden_states[1] is the first block's output; with a single block it is the final state.
    const first = model.config.numLayers > 1 ? blocks[0]! : last
    const floatMask = tf.cast(mask, 'float32') as tf.Tensor2D
    return { pooled: poolFirstLast(first, last, floatMask, masked), states: last, mask: floatMask }
  }) as unknown as InstructionEncoding
}

/** Tokenize (EOS appended, truncated to `maxTokens`), pad and encode instruction texts. */
export function encodeInstructions(
  model: T5Model,
  tokenizer: TextTokenizer,
  texts: readonly string[],
  maxTokens: number,
  masked = true,
  weights = model.weights() as Map<string, tf.Tensor>,
): InstructionEncoding & { tokens: number[] } {
  if (texts.length === 0) throw new Error('encodeInstructions: no instruction texts')
  const rows = texts.map((text) => encodeTruncated(tokenizer, text, maxTokens))
  const { ids, mask } = padBatch(rows, tokenizer.padId)
  try {
    return { ...encodeInstructionIds(model, ids, mask, masked, weights), tokens: rows.map((r) => r.length) }
  } finally {
    tf.dispose([ids, mask])
  }
}

export function disposeEncoding(encoding: InstructionEncoding): void {
  tf.dispose([encoding.pooled, encoding.states, encoding.mask])
}
