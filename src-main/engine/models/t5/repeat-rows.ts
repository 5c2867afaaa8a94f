/** Tiling a task's batch-1 tensors to a batch. */
import { tf } from '../../backend/index.ts'

/**
 * `t` (1, …) repeated to (n, …) as a new tensor. A concat of n views: on wasm `tf.tile` (and `broadcastTo`,
 * built on it) runs about 20x slower than concat for a (1, 161, 4, 16) → 32-row copy.
 */
export function repeatRows<T extends tf.Tensor>(t: T, n: number): T {
  if (t.shape[0] !== 1) throw new Error(`repeatRows: expected a tensor of batch 1, found shape [${t.shape.join(', ')}]`)
  return (n === 1 ? tf.clone(t) : tf.concat(new Array<T>(n).fill(t), 0)) as T
}
