/**
 * Greedy decoding with a key/value cache: the encoder and the cross-attention keys/values run once
 * (a task's extra memory may come already projected, memory.ts `CachedMemory`);
 * each step feeds one token per row and appends its self-attention keys/values. A row stops after
 * EOS (it is included in the output); finished rows are fed padding until every row is done.
 */
import { tf } from '../../backend/index.ts'
import type { KeyValue } from './attention.ts'
import type { T5RunContext } from './context.ts'
import { lmLogits, runDecoder } from './decoder.ts'
import { runEncoder } from './encoder.ts'
import { crossMemoryKeyValues, encoderFusionMemory, type CachedMemory, type ExtraMemory } from './memory.ts'

function disposeKv(kvs: KeyValue[] | undefined): void {
  for (const kv of kvs ?? []) {
    kv.key.dispose()
    kv.value.dispose()
  }
}

export async function greedyGenerate(
  ctx: T5RunContext,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  maxNewTokens: number,
  extraMemory?: ExtraMemory,
  cachedMemory?: CachedMemory,
): Promise<number[][]> {
  const { config } = ctx
  const batch = inputIds.shape[0]
  const { cross, mask } = tf.tidy(() => {
    const encoded = runEncoder(ctx, inputIds, attentionMask, { fusion: encoderFusionMemory(ctx, batch, extraMemory, cachedMemory) })
    return crossMemoryKeyValues(ctx, encoded, attentionMask, extraMemory, cachedMemory) as unknown as tf.TensorContainer
  }) as unknown as { cross: KeyValue[]; mask: tf.Tensor2D }
  const out: number[][] = Array.from({ length: batch }, () => [])
  const done = new Array<boolean>(batch).fill(false)
  let next = new Int32Array(batch).fill(config.decoderStartTokenId)
  let self: KeyValue[] | undefined
  try {
    for (let step = 0; step < maxNewTokens && !done.every(Boolean); step++) {
      const ids = next
      const past = self
      const result = tf.tidy(() => {
        const { hidden, self: kv } = runDecoder(ctx, tf.tensor2d(ids, [batch, 1], 'int32'), mask, cross, past, step)
        const logits = lmLogits(ctx, hidden)
        return { token: tf.argMax(tf.reshape(logits, [batch, config.vocabSize]), 1), kv } as unknown as tf.TensorContainer
      }) as unknown as { token: tf.Tensor1D; kv: KeyValue[] }
      disposeKv(past)
      self = result.kv
      const tokens = (await result.token.data()) as Int32Array
      result.token.dispose()
      next = new Int32Array(batch)
      for (let b = 0; b < batch; b++) {
        if (done[b]) {
          next[b] = config.padTokenId
          continue
        }
        out[b].push(tokens[b])
        next[b] = tokens[b]
        if (tokens[b] === config.eosTokenId) done[b] = true
      }
    }
  } finally {
    disposeKv(self)
    disposeKv(cross)
    mask.dispose()
  }
  return out
}
