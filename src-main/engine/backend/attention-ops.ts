/**
 * The two attention matMuls, on the projection layout, with no transposes (forward or backward).
 *
 * Queries, keys and values stay in the layout their linear projection produced, (B, T, H, Dk) (a free
 * reshape of (B, T, H·Dk)); the context is written straight into the merged-heads layout (B, S, H, Dk),
 * so the output projection reads it as (B·S, H·Dk) without the usual transpose. On wasm both run on the
 * strided SIMD kernel (simd-kernels.ts) over a (B, H) grid; elsewhere they fall back to tfjs
 * transposes + batched matMuls (native TensorFlow has fast ones).
 *
 * The gradients are the same two shapes again:
 *   scores = q·kᵀ:   dq = context(dS, k),  dk = contextT(dS, q)
 *   context = p·v:   dp = scores(dC, v),   dv = contextT(p, dC)
 * where contextT(p, x)[b, t, h, d] = Σ_s p[b, h, s, t] · x[b, s, h, d].
 */
import { tf } from './index.ts'
import { hasStridedMatMul, stridedMatMul } from './simd-kernels.ts'

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]
type Strides = [number, number, number, number]

/** Strides (b, h, t, d) of a (B, T, H, Dk) tensor. */
function headStrides(t: number, h: number, d: number): Strides {
  return [t * h * d, d, h * d, 1]
}

/** q (B, S, H, Dk), k (B, T, H, Dk) → scores (B, H, S, T). */
function rawScores(q: tf.Tensor, k: tf.Tensor): tf.Tensor {
  const [b, s, h, d] = q.shape as [number, number, number, number]
  const t = k.shape[1] as number
  if (!hasStridedMatMul()) return tf.matMul(tf.transpose(q, [0, 2, 1, 3]), tf.transpose(k, [0, 2, 1, 3]), false, true)
  const [kb, kh, kt, kd] = headStrides(t, h, d)
  return stridedMatMul(q, k, {
    outShape: [b, h, s, t],
    grid: [b, h],
    m: s,
    n: t,
    k: d,
    aStrides: headStrides(s, h, d),
    bStrides: [kb, kh, kd, kt], // (p = d, j = t): kᵀ read through strides
    cStrides: [h * s * t, s * t, t, 1],
  })
}

/** p (B, H, S, T), v (B, T, H, Dk) → context (B, S, H, Dk). */
function rawContext(p: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const [b, h, s, t] = p.shape as [number, number, number, number]
  const d = v.shape[3] as number
  if (!hasStridedMatMul()) return tf.transpose(tf.matMul(p, tf.transpose(v, [0, 2, 1, 3])), [0, 2, 1, 3])
  return stridedMatMul(p, v, {
    outShape: [b, s, h, d],
    grid: [b, h],
    m: s,
    n: d,
    k: t,
    aStrides: [h * s * t, s * t, t, 1],
    bStrides: headStrides(t, h, d),
    cStrides: headStrides(s, h, d),
  })
}

/** p (B, H, S, T), x (B, S, H, Dk) → Σ_s p[b,h,s,t]·x[b,s,h,d] as (B, T, H, Dk). */
function rawContextT(p: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const [b, h, s, t] = p.shape as [number, number, number, number]
  const d = x.shape[3] as number
  if (!hasStridedMatMul()) return tf.transpose(tf.matMul(p, tf.transpose(x, [0, 2, 1, 3]), true, false), [0, 2, 1, 3])
  return stridedMatMul(p, x, {
    outShape: [b, t, h, d],
    grid: [b, h],
    m: t,
    n: d,
    k: s,
    aStrides: [h * s * t, s * t, 1, t], // pᵀ read through strides
    bStrides: headStrides(s, h, d),
    cStrides: headStrides(t, h, d),
  })
}

const scoresImpl = tf.customGrad(((q: tf.Tensor, k: tf.Tensor, save: tf.GradSaveFunc) => {
  save([q, k])
  return {
    value: rawScores(q, k),
    gradFunc: ((dS: tf.Tensor, [sq, sk]: tf.Tensor[]) => [rawContext(dS, sk), rawContextT(dS, sq)]) as GradFn,
  }
}) as unknown as Parameters<typeof tf.customGrad>[0])

const contextImpl = tf.customGrad(((p: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => {
  save([p, v])
  return {
    value: rawContext(p, v),
    gradFunc: ((dC: tf.Tensor, [sp, sv]: tf.Tensor[]) => [rawScores(dC, sv), rawContextT(sp, dC)]) as GradFn,
  }
}) as unknown as Parameters<typeof tf.customGrad>[0])

function checkHeads(what: string, x: tf.Tensor, b: number, h: number, d: number): void {
  if (x.rank !== 4 || x.shape[0] !== b || x.shape[2] !== h || x.shape[3] !== d) {
    throw new Error(`${what} should have shape [${b}, T, ${h}, ${d}] (B, T, H, Dk), found [${x.shape.join(', ')}]`)
  }
}

/** Attention scores q·kᵀ: q (B, S, H, Dk), k (B, T, H, Dk) → (B, H, S, T). No 1/√d scaling (T5). */
export function attentionScores(q: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D {
  const [b, , h, d] = q.shape
  checkHeads('attention keys', k, b, h, d)
  return scoresImpl(q, k) as tf.Tensor4D
}

/** Attention context p·v: p (B, H, S, T), v (B, T, H, Dk) → (B, S, H, Dk), heads already merged in memory. */
export function attentionContext(p: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const [b, h, , t] = p.shape
  checkHeads('attention values', v, b, h, v.shape[3] as number)
  if (v.shape[1] !== t) throw new Error(`attention values have ${v.shape[1]} positions, the probabilities ${t}`)
  return contextImpl(p, v) as tf.Tensor4D
}
