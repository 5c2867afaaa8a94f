/**
 * Fast-path ops that every layer of the engine uses (environment.md §3a/§3b).
 *
 * tfjs-backend-wasm sends a matMul to XNNPACK only when it is 2-D (batch 1) and has no transpose flag;
 * anything else runs a naive loop that is 10× slower. tfjs's own matMul gradient uses transpose
 * flags, so even a 2-D forward matMul has slow gradients. These helpers keep the forward and both
 * gradient matMuls on the fast path by transposing explicitly.
 */
import { tf } from './index.ts'

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]

/** 2-D a (m,k) · b (k,n) whose gradients are dy·bᵀ and aᵀ·dy with explicit transposes. */
const matMul2dImpl = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b])
  return {
    value: tf.matMul(a, b),
    gradFunc: ((dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)]) as GradFn,
  }
}) as unknown as Parameters<typeof tf.customGrad>[0])

export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2) throw new Error(`matMul2d wants 2-D operands, got [${a.shape}] · [${b.shape}]`)
  if (a.shape[1] !== b.shape[0]) throw new Error(`matMul2d: inner sizes differ: [${a.shape}] · [${b.shape}]`)
  return matMul2dImpl(a, b) as tf.Tensor2D
}

/** x (…, in) · w (in, out) → (…, out), run as one 2-D matMul. */
export function linear<T extends tf.Tensor>(x: T, w: tf.Tensor): T {
  const inDim = x.shape[x.rank - 1] as number
  if (w.rank !== 2 || w.shape[0] !== inDim) throw new Error(`linear: input [${x.shape}] does not fit weight [${w.shape}] (in, out)`)
  if (x.rank === 2) return matMul2d(x as unknown as tf.Tensor2D, w as tf.Tensor2D) as unknown as T
  const lead = x.shape.slice(0, -1)
  const flat = tf.reshape(x, [-1, inDim]) as tf.Tensor2D
  return tf.reshape(matMul2d(flat, w as tf.Tensor2D), [...lead, w.shape[1] as number]) as unknown as T
}

/** Swap the last two axes explicitly (a real transpose, not a flag). */
export function transposeLast2<T extends tf.Tensor>(x: T): T {
  const perm = x.shape.map((_, i) => i)
  perm[x.rank - 1] = x.rank - 2
  perm[x.rank - 2] = x.rank - 1
  return tf.transpose(x, perm) as T
}

/**
 * Batched a (…, m, k) · b (…, k, n) with no transpose flags in the forward or in the gradient.
 * Batched matMuls cannot reach XNNPACK in tfjs-wasm, but the naive kernel is faster without flags.
 */
const batchMatMulImpl = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b])
  return {
    value: tf.matMul(a, b),
    gradFunc: ((dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [tf.matMul(dy, transposeLast2(sb)), tf.matMul(transposeLast2(sa), dy)]) as GradFn,
  }
}) as unknown as Parameters<typeof tf.customGrad>[0])

export function batchMatMul<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  if (a.rank !== b.rank || a.rank < 3) throw new Error(`batchMatMul wants equal ranks ≥ 3, got [${a.shape}] · [${b.shape}]`)
  return batchMatMulImpl(a, b) as T
}

/** GELU, tanh approximation (Hugging Face `gelu_new`); x·x·x instead of pow (pow is slow on wasm). */
export function geluNew<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))))
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner))) as T
  })
}
