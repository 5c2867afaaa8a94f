/**
 * Fast-path ops that every layer of the engine uses (environment.md §3a/§3b).
 *
 * tfjs-backend-wasm sends a matMul to XNNPACK only when it is 2-D (batch 1) and has no transpose flag;
 * anything else runs a naive loop that is 10× slower. tfjs's own matMul gradient uses transpose
 * flags, so even a 2-D forward matMul has slow gradients. Here:
 *   - 2-D forward and dy·Wᵀ run on XNNPACK (explicit transpose of the small weight);
 *   - xᵀ·dy and every batched matMul run on the engine's strided SIMD kernel (simd-kernels.ts), which
 *     reads a transposed operand through its strides, so no transpose is materialised.
 * On other backends (native TensorFlow, cpu) the same functions fall back to plain tfjs ops.
 */
import { tf } from './index.ts'
import { hasStridedMatMul, stridedMatMul } from './simd-kernels.ts'

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]

/**
 * Batched a (…, m, k)ᵀᵃ · b (…, k, n)ᵀᵇ on contiguous tensors, transposes read through strides on
 * wasm (no gradient: the differentiable wrappers below use it for forward and backward).
 */
export function rawBatchMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if (!hasStridedMatMul()) return tf.matMul(a, b, transposeA, transposeB)
  const rank = a.rank
  const lead = a.shape.slice(0, -2)
  const [ar, ac] = a.shape.slice(-2) as [number, number]
  const [br, bc] = b.shape.slice(-2) as [number, number]
  const [m, k] = transposeA ? [ac, ar] : [ar, ac]
  const [k2, n] = transposeB ? [bc, br] : [br, bc]
  if (b.rank !== rank || k !== k2 || !lead.every((d, i) => d === b.shape[i])) {
    throw new Error(`batched matMul: shapes [${a.shape}]${transposeA ? 'ᵀ' : ''} · [${b.shape}]${transposeB ? 'ᵀ' : ''} do not fit`)
  }
  const batch = lead.reduce((x, y) => x * y, 1)
  return stridedMatMul(a, b, {
    outShape: [...lead, m, n],
    grid: [batch, 1],
    m,
    n,
    k,
    aStrides: [ar * ac, 0, ...(transposeA ? [1, ac] : [ac, 1])] as [number, number, number, number],
    bStrides: [br * bc, 0, ...(transposeB ? [1, bc] : [bc, 1])] as [number, number, number, number],
    cStrides: [m * n, 0, n, 1],
  })
}

/** 2-D a (m,k) · b (k,n): forward and dy·bᵀ on XNNPACK, aᵀ·dy on the strided kernel. */
const matMul2dImpl = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b])
  return {
    value: tf.matMul(a, b),
    gradFunc: ((dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)),
      hasStridedMatMul() ? rawBatchMatMul(sa, dy, true, false) : tf.matMul(tf.transpose(sa), dy as tf.Tensor2D),
    ]) as GradFn,
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

/** Batched a (…, m, k) · b (…, k, n); gradients dy·bᵀ and aᵀ·dy read the transposes through strides. */
const batchMatMulImpl = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b])
  return {
    value: rawBatchMatMul(a, b),
    gradFunc: ((dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [rawBatchMatMul(dy, sb, false, true), rawBatchMatMul(sa, dy, true, false)]) as GradFn,
  }
}) as unknown as Parameters<typeof tf.customGrad>[0])

export function batchMatMul<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  if (a.rank !== b.rank || a.rank < 3) throw new Error(`batchMatMul wants equal ranks ≥ 3, got [${a.shape}] · [${b.shape}]`)
  return batchMatMulImpl(a, b) as T
}

/**
 * GELU, tanh approximation (Hugging Face `gelu_new`): 0.5·x·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³),
 * computed as the identical x·sigmoid(2u) because tfjs-wasm's Tanh is scalar libm (~50 ns/element,
 * 15× slower than its XNNPACK Sigmoid). x·x·x instead of pow (pow is slow on wasm).
 */
export function geluNew<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const twoU = tf.mul(2 * Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))))
    return tf.mul(x, tf.sigmoid(twoU)) as T
  })
}

/**
 * Inverted dropout: x · mask, mask = 1/(1−rate) with probability 1−rate, else 0. The mask is drawn in
 * JavaScript with xorshift32 (seeded from Math.random per call) and uploaded once: tf.dropout draws
 * with seedrandom in JS and then runs add + floor + div + mul kernels, several times slower here.
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number): T {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), found ${rate}`)
  if (rate === 0) return x
  const scale = 1 / (1 - rate)
  const threshold = Math.floor((1 - rate) * 2 ** 32) // keep when the 32-bit draw is below it
  const mask = new Float32Array(x.size)
  let state = Math.floor(Math.random() * 0xffffffff) | 1
  for (let i = 0; i < mask.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    mask[i] = state >>> 0 < threshold ? scale : 0
  }
  return tf.mul(x, tf.tensor(mask, x.shape, 'float32')) as T
}
