/** What every T5 component needs at run time: the config, the weights, training mode, adapters. */
import type { tf } from '../../backend/index.ts'
import { dropout as fastDropout } from '../../backend/ops.ts'
import type { LoraSet } from '../lora/types.ts'
import type { T5Config } from './config.ts'

export interface T5RunContext {
  config: T5Config
  /** Hugging Face key → tensor in the internal layout (linear weights (in, out)). */
  weights: Map<string, tf.Tensor>
  /** Dropout on. */
  training: boolean
  adapters?: LoraSet
}

export function weight(ctx: T5RunContext, key: string): tf.Tensor {
  const w = ctx.weights.get(key)
  if (!w) throw new Error(`T5: weight '${key}' is missing`)
  return w
}

/** Dropout with the config's rate, only in training. */
export function dropout<T extends tf.Tensor>(ctx: T5RunContext, x: T): T {
  return ctx.training && ctx.config.dropoutRate > 0 ? fastDropout(x, ctx.config.dropoutRate) : x
}
