/**
 * Applying LoRA at forward time, on 2-D matMuls.
 *
 * Static: y = x·W + scale · (dropout(x)·Aᵀ)·Bᵀ, with Aᵀ and Bᵀ as explicit transposes (fast path); the dropout is
 * PEFT's lora_dropout on the LoRA branch's input only, applied while training.
 *
 * Per-example (no loop over rows): with X = x as (N·S, in) and A_all = [A_0 | A_1 | …] as (in, N·r),
 * X·A_all is (N·S, N·r); zeroing every block but the row's own (a constant 0/1 mask) and multiplying by
 * B_all = [B_0; B_1; …] as (N·r, out) gives exactly x_b·A_b·B_b for each row b, all in 2-D matMuls.
 * The batched-matMul form (x_b·A_b then ·B_b as batched matMuls without transpose flags) is the other
 * mode; bench/lora-per-example.ts compares them. Measured on wasm at B16×S64, d64, r4 (forward+backward),
 * with batched matMuls on the engine's strided SIMD kernel: batched 0.94 ms, block-diagonal 2.9 ms, so
 * 'batched' is the default.
 */
import { tf } from '../../backend/index.ts'
import { batchMatMul, dropout, linear, matMul2d } from '../../backend/ops.ts'
import type { LoraSet, PerExampleLora, StaticLora } from './types.ts'

export type PerExampleMode = 'block-diagonal' | 'batched'
let perExampleMode: PerExampleMode = 'batched'

/** Choose how per-example adapters are computed (both are exact). */
export function setPerExampleMode(mode: PerExampleMode): void {
  perExampleMode = mode
}

export function getPerExampleMode(): PerExampleMode {
  return perExampleMode
}

function shapeError(moduleId: string, what: string, expected: (number | string)[], found: number[]): Error {
  return new Error(`LoRA module '${moduleId}': ${what} should have shape [${expected.join(', ')}], found [${found.join(', ')}]`)
}

/** Check an adapter against the weight it modifies (internal layout (in, out)); no data is read. */
export function checkLoraShapes(moduleId: string, lora: StaticLora | PerExampleLora, w: tf.Tensor, batch?: number): void {
  const [inDim, outDim] = w.shape
  if (lora.kind === 'static') {
    const r = lora.A.shape[0]
    if (lora.A.rank !== 2 || lora.A.shape[1] !== inDim) throw shapeError(moduleId, 'lora_A', ['r', inDim], lora.A.shape)
    if (lora.B.rank !== 2 || lora.B.shape[0] !== outDim || lora.B.shape[1] !== r) throw shapeError(moduleId, 'lora_B', [outDim, r], lora.B.shape)
  } else {
    const r = lora.A.shape[2]
    const n = batch ?? lora.A.shape[0]
    if (lora.A.rank !== 3 || lora.A.shape[0] !== n || lora.A.shape[1] !== inDim) throw shapeError(moduleId, 'per-example A', [n, inDim, 'r'], lora.A.shape)
    if (lora.B.rank !== 3 || lora.B.shape[0] !== n || lora.B.shape[1] !== r || lora.B.shape[2] !== outDim) {
      throw shapeError(moduleId, 'per-example B', [n, r, outDim], lora.B.shape)
    }
  }
}

function staticDelta(x2: tf.Tensor2D, lora: StaticLora, training: boolean): tf.Tensor2D {
  const input = training && lora.dropout ? dropout(x2, lora.dropout) : x2 // (N·S, in)
  return tf.mul(matMul2d(matMul2d(input, tf.transpose(lora.A)), tf.transpose(lora.B)), lora.scale)
}

const maskCache = new Map<string, tf.Tensor2D>()

/** (n·s, n·r) 0/1 mask keeping block (b, b). Cached: it is a constant. */
function blockMask(n: number, s: number, r: number): tf.Tensor2D {
  const key = `${n}x${s}x${r}`
  let mask = maskCache.get(key)
  if (!mask) {
    const values = new Float32Array(n * s * n * r)
    for (let b = 0; b < n; b++) for (let i = 0; i < s; i++) values.fill(1, (b * s + i) * n * r + b * r, (b * s + i) * n * r + (b + 1) * r)
    mask = tf.keep(tf.tensor2d(values, [n * s, n * r]))
    if (maskCache.size > 64) {
      for (const old of maskCache.values()) old.dispose()
      maskCache.clear()
    }
    maskCache.set(key, mask)
  }
  return mask
}

/** x (N, S, in) → the per-example update (N·S, out). */
function perExampleDelta(x: tf.Tensor, lora: PerExampleLora): tf.Tensor2D {
  const [n, s, inDim] = x.shape
  const r = lora.A.shape[2]
  const outDim = lora.B.shape[2]
  if (perExampleMode === 'batched') {
    const h = batchMatMul(batchMatMul(x as tf.Tensor3D, lora.A), lora.B)
    return tf.mul(tf.reshape(h, [n * s, outDim]), lora.scale)
  }
  const x2 = tf.reshape(x, [n * s, inDim]) as tf.Tensor2D
  const aAll = tf.reshape(tf.transpose(lora.A, [1, 0, 2]), [inDim, n * r]) as tf.Tensor2D
  const bAll = tf.reshape(lora.B, [n * r, outDim]) as tf.Tensor2D
  const h = tf.mul(matMul2d(x2, aAll), blockMask(n, s, r))
  return tf.mul(matMul2d(h as tf.Tensor2D, bAll), lora.scale)
}

/** x (N, S, in) · W (in, out), plus the adapter of `moduleId` if the set has one; `training` turns on lora_dropout. */
export function loraLinear(x: tf.Tensor3D, w: tf.Tensor, moduleId: string, adapters?: LoraSet, training = false): tf.Tensor3D {
  const lora = adapters?.get(moduleId)
  if (!lora) return linear(x, w)
  checkLoraShapes(moduleId, lora, w, x.shape[0])
  const [n, s, inDim] = x.shape as [number, number, number]
  const x2 = tf.reshape(x, [n * s, inDim]) as tf.Tensor2D
  const base = matMul2d(x2, w as tf.Tensor2D)
  const delta = lora.kind === 'static' ? staticDelta(x2, lora, training) : perExampleDelta(x, lora)
  return tf.reshape(tf.add(base, delta), [n, s, w.shape[1] as number]) as tf.Tensor3D
}
