/** LoRA adapter types shared by the model (which applies them) and the adapter files (which hold them). */
import type { tf } from '../../backend/index.ts'

/** A PEFT module path, e.g. 'decoder.block.1.layer.1.EncDecAttention.v'. */
export type LoraModuleId = string

/** One adapter for every row: PEFT orientation, update ΔW (out × in) = scale · B · A. */
export interface StaticLora {
  kind: 'static'
  /** (r, in) */
  A: tf.Tensor2D
  /** (out, r) */
  B: tf.Tensor2D
  scale: number
  /** PEFT's lora_dropout: drop this share of the input to A while training (never at inference); absent = 0. */
  dropout?: number
}

/** Row b of the batch gets its own adapter: y_b += scale · x_b · A_b · B_b (what the hypernetwork emits). */
export interface PerExampleLora {
  kind: 'per-example'
  /** (batch, in, r) */
  A: tf.Tensor3D
  /** (batch, r, out) */
  B: tf.Tensor3D
  scale: number
}

export type LoraSet = Map<LoraModuleId, StaticLora | PerExampleLora>
