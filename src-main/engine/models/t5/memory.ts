/** Cross-attention memory with instruction fusion (decisions.md §1): [extra states ; encoder states]. */
import { tf } from '../../backend/index.ts'

export interface ExtraMemory {
  /** (B, M, d_model) states prepended to the encoder output in every cross-attention. */
  states: tf.Tensor3D
  /** (B, M) 1 = attend, 0 = padding. */
  mask: tf.Tensor2D
}

/** Memory for cross-attention: [extra ; encoder] with the masks concatenated the same way. */
export function fuseMemory(encoderStates: tf.Tensor3D, attentionMask: tf.Tensor2D, extra?: ExtraMemory): { memory: tf.Tensor3D; mask: tf.Tensor2D } {
  const mask = tf.cast(attentionMask, 'float32') as tf.Tensor2D
  if (!extra) return { memory: encoderStates, mask }
  const [b, , d] = encoderStates.shape
  if (extra.states.rank !== 3 || extra.states.shape[0] !== b || extra.states.shape[2] !== d) {
    throw new Error(`extraMemory.states should have shape [${b}, M, ${d}], found [${extra.states.shape.join(', ')}]`)
  }
  if (extra.mask.rank !== 2 || extra.mask.shape[0] !== b || extra.mask.shape[1] !== extra.states.shape[1]) {
    throw new Error(`extraMemory.mask should have shape [${b}, ${extra.states.shape[1]}], found [${extra.mask.shape.join(', ')}]`)
  }
  return {
    memory: tf.concat([extra.states, encoderStates], 1),
    mask: tf.concat([tf.cast(extra.mask, 'float32') as tf.Tensor2D, mask], 1),
  }
}
