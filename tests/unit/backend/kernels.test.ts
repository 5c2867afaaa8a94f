/**
 * The engine's fast paths against plain tfjs: the strided SIMD matMul (every inner kernel: 8/4/1-wide
 * columns, dot products, scalar, k/n tiling), the attention matMuls and their gradients, GELU via
 * sigmoid and the JS-drawn dropout.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { attentionContext, attentionScores } from '../../../src-main/engine/backend/attention-ops.ts'
import { dropout, geluNew, rawBatchMatMul } from '../../../src-main/engine/backend/ops.ts'
import { hasStridedMatMul, stridedMatMul } from '../../../src-main/engine/backend/simd-kernels.ts'

beforeAll(async () => {
  await initBackend()
})

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])
}

describe('strided SIMD matMul', () => {
  it('runs on this backend (wasm) so the fast paths below are really exercised', () => {
    expect(tf.getBackend()).toBe('wasm')
    expect(hasStridedMatMul()).toBe(true)
  })

  // n = 13 covers 8 + 4 + 1 columns; k·n > 64·64 forces k and n tiling with accumulation.
  const cases: [number, number, number, number][] = [
    [2, 5, 3, 13],
    [3, 17, 9, 4],
    [1, 64, 300, 70],
    [2, 33, 130, 129],
  ]
  for (const [batch, m, k, n] of cases) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`[${batch}, ${m}, ${k}] · [${batch}, ${k}, ${n}] transposeA=${ta} transposeB=${tb} equals tf.matMul`, () => {
        const a = tf.randomNormal(ta ? [batch, k, m] : [batch, m, k], 0, 1, 'float32', 1)
        const b = tf.randomNormal(tb ? [batch, n, k] : [batch, k, n], 0, 1, 'float32', 2)
        const ours = rawBatchMatMul(a, b, ta, tb)
        const ref = tf.matMul(a, b, ta, tb)
        expect(ours.shape).toEqual(ref.shape)
        expect(maxDiff(ours, ref)).toBeLessThan(1e-4 * Math.sqrt(k))
        tf.dispose([a, b, ours, ref])
      })
    }
  }

  it('refuses a view that would reach past the end of a tensor, naming the operand', () => {
    const a = tf.zeros([4, 4])
    const b = tf.zeros([4, 4])
    const spec = { outShape: [4, 4], grid: [1, 1] as [number, number], m: 4, n: 4, k: 4, aStrides: [0, 0, 5, 1] as [number, number, number, number], bStrides: [0, 0, 4, 1] as [number, number, number, number], cStrides: [0, 0, 4, 1] as [number, number, number, number] }
    expect(() => stridedMatMul(a, b, spec)).toThrow(/A view dims \[1,1,4,4\] strides \[0,0,5,1\] reach index 18/)
    tf.dispose([a, b])
  })
})

describe('attention matMuls on the projection layout', () => {
  const [b, s, t, h, d] = [2, 7, 5, 3, 6]
  const ref = {
    scores: (q: tf.Tensor, k: tf.Tensor) => tf.matMul(tf.transpose(q, [0, 2, 1, 3]), tf.transpose(k, [0, 2, 1, 3]), false, true),
    context: (p: tf.Tensor, v: tf.Tensor) => tf.transpose(tf.matMul(p, tf.transpose(v, [0, 2, 1, 3])), [0, 2, 1, 3]),
  }

  it('scores q·kᵀ: value and both gradients equal the transpose + matMul reference', () => {
    const q = tf.randomNormal([b, s, h, d], 0, 1, 'float32', 3) as tf.Tensor4D
    const k = tf.randomNormal([b, t, h, d], 0, 1, 'float32', 4) as tf.Tensor4D
    const probe = tf.randomNormal([b, h, s, t], 0, 1, 'float32', 5)
    expect(maxDiff(attentionScores(q, k), ref.scores(q, k))).toBeLessThan(1e-5)
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(attentionScores(x as tf.Tensor4D, y as tf.Tensor4D), probe)))([q, k])
    const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(ref.scores(x, y), probe)))([q, k])
    for (let i = 0; i < 2; i++) expect(maxDiff(ours[i], theirs[i])).toBeLessThan(1e-5)
  })

  it('context p·v: value (merged-heads layout) and both gradients equal the reference', () => {
    const p = tf.randomNormal([b, h, s, t], 0, 1, 'float32', 6) as tf.Tensor4D
    const v = tf.randomNormal([b, t, h, d], 0, 1, 'float32', 7) as tf.Tensor4D
    const probe = tf.randomNormal([b, s, h, d], 0, 1, 'float32', 8)
    expect(maxDiff(attentionContext(p, v), ref.context(p, v))).toBeLessThan(1e-5)
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(attentionContext(x as tf.Tensor4D, y as tf.Tensor4D), probe)))([p, v])
    const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(ref.context(x, y), probe)))([p, v])
    for (let i = 0; i < 2; i++) expect(maxDiff(ours[i], theirs[i])).toBeLessThan(1e-5)
  })

  it('names the mismatch when keys do not fit the queries', () => {
    const q = tf.zeros([b, s, h, d]) as tf.Tensor4D
    const k = tf.zeros([b, t, h + 1, d]) as tf.Tensor4D
    expect(() => attentionScores(q, k)).toThrow(`attention keys should have shape [${b}, T, ${h}, ${d}] (B, T, H, Dk), found [${b}, ${t}, ${h + 1}, ${d}]`)
  })
})

describe('elementwise fast paths', () => {
  it('GELU via sigmoid equals the tanh form of gelu_new', () => {
    const x = tf.linspace(-8, 8, 401)
    const tanhForm = tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))))
    expect(maxDiff(geluNew(x), tanhForm)).toBeLessThan(2e-6 * 8)
  })

  it('dropout keeps about 1 − rate of the values, scaled by 1/(1 − rate), and its gradient is the mask', () => {
    const x = tf.ones([200, 100])
    const y = dropout(x, 0.25)
    const values = y.dataSync()
    const kept = values.filter((v) => v !== 0)
    expect(kept.length / values.length).toBeGreaterThan(0.73)
    expect(kept.length / values.length).toBeLessThan(0.77)
    for (const v of kept) expect(v).toBeCloseTo(1 / 0.75, 6)
    expect(() => dropout(x, 1)).toThrow('dropout rate must be in [0, 1), found 1')
    tf.dispose([x, y])
  })
})
