import { beforeAll, describe, expect, it } from 'vitest'
import { tf, initBackend } from '../../../src-main/engine/backend/index.ts'
import {
  labelCrossEntropy,
  logitKl,
  standardizeLogits,
  parameterAlignment,
  combineTagiLoss,
  DEFAULT_TAGI_LOSS,
  type GeneratedFactors,
  type TeacherFactors,
} from '../../../src-main/engine/losses/index.ts'

beforeAll(async () => {
  await initBackend()
})

const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0]
  t.dispose()
  return v
}

/** Reference softmax/KL in plain JS, independent of the tensor code. */
const softmax = (z: number[]) => {
  const m = Math.max(...z)
  const e = z.map((x) => Math.exp(x - m))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / s)
}
const kl = (p: number[], q: number[]) => p.reduce((acc, pi, i) => acc + pi * Math.log(pi / q[i]), 0)

describe('label cross-entropy', () => {
  it('is the mean −log p(label) over real tokens only', () => {
    const logits = tf.tensor3d([[[0, 0, 0], [Math.log(2), 0, 0], [5, -5, 0]]])
    const labels = tf.tensor2d([[2, 0, 1]], undefined, 'int32')
    const mask = tf.tensor2d([[1, 1, 0]])
    // position 0: uniform over 3 → ln 3; position 1: p(0) = 2/4 → ln 2; position 2 is padding.
    expect(value(labelCrossEntropy(logits, labels, mask))).toBeCloseTo((Math.log(3) + Math.log(2)) / 2, 5)
    tf.dispose([logits, labels, mask])
  })

  it('names the mismatched shapes', () => {
    const logits = tf.zeros([1, 2, 3])
    expect(() => labelCrossEntropy(logits, tf.zeros([1, 3]), tf.zeros([1, 2]))).toThrow(/labels \[1,3\]/)
    logits.dispose()
  })
})

describe('logit KL', () => {
  it('is 0 when the teacher equals the student', () => {
    const logits = tf.randomNormal([2, 3, 7], 0, 2, 'float32', 1)
    const mask = tf.ones([2, 3])
    expect(Math.abs(value(logitKl(logits, logits.clone(), mask)))).toBeLessThan(1e-6)
    tf.dispose([logits, mask])
  })

  it('plain temperature KL matches the hand-computed value', () => {
    const student = tf.tensor3d([[[Math.log(3), 0]]])
    const teacher = tf.tensor3d([[[0, 0]]])
    const mask = tf.ones([1, 1])
    const plain = { temperature: 1, standardize: false, scaleByTemperatureSquared: false }
    // KL([.5,.5] ‖ [.75,.25]) = .5·ln(.5/.75) + .5·ln(.5/.25) = .5·ln(4/3)
    expect(value(logitKl(student, teacher, mask, plain))).toBeCloseTo(0.5 * Math.log(4 / 3), 6)
    const hot = { temperature: 2, standardize: false, scaleByTemperatureSquared: true }
    const expected = 4 * kl(softmax([0, 0]), softmax([Math.log(3) / 2, 0]))
    expect(value(logitKl(student, teacher, mask, hot))).toBeCloseTo(expected, 6)
    tf.dispose([student, teacher, mask])
  })

  it('z-scores each position with the unbiased std before the softmax', () => {
    const z = tf.tensor3d([[[1, 2, 3], [2, 4, 6]]])
    // mean 2, unbiased std 1 → [-1, 0, 1]; mean 4, std 2 → the same
    expect(Array.from(standardizeLogits(z).dataSync()).map((x) => Math.round(x * 1e5) / 1e5)).toEqual([-1, 0, 1, -1, 0, 1])
    const scaled = tf.tensor3d([[[2, 4, 6], [1, 2, 3]]])
    const mask = tf.ones([1, 2])
    // Standardised, the two logit rows are identical: the KL vanishes; plain, it does not.
    expect(Math.abs(value(logitKl(z, scaled, mask)))).toBeLessThan(1e-6)
    expect(value(logitKl(z, scaled, mask, { temperature: 3, standardize: false, scaleByTemperatureSquared: true }))).toBeGreaterThan(1e-3)
    // student [1,2,3] vs teacher [3,2,1], T = 3, × T²: 9·KL(softmax([1,0,-1]/3) ‖ softmax([-1,0,1]/3))
    const student = tf.tensor3d([[[1, 2, 3]]])
    const teacher = tf.tensor3d([[[3, 2, 1]]])
    const expected = 9 * kl(softmax([1 / 3, 0, -1 / 3]), softmax([-1 / 3, 0, 1 / 3]))
    expect(value(logitKl(student, teacher, tf.ones([1, 1])))).toBeCloseTo(expected, 5)
    tf.dispose([z, scaled, mask, student, teacher])
  })

  it('ignores padded positions', () => {
    const student = tf.tensor3d([[[0, 0], [9, -9]]])
    const teacher = tf.tensor3d([[[0, 0], [-9, 9]]])
    expect(Math.abs(value(logitKl(student, teacher, tf.tensor2d([[1, 0]]))))).toBeLessThan(1e-7)
    tf.dispose([student, teacher])
  })
})

describe('parameter alignment', () => {
  // One module with in = 3, out = 2 (non-square, so a wrong orientation cannot type-check by accident), r = 1.
  const generatedFactors = (a: number[], b: number[]): GeneratedFactors => ({ A: tf.tensor3d([a.map((x) => [x])]), B: tf.tensor3d([[b]]) })
  const teacherFactors = (a: number[], b: number[], scale: number): TeacherFactors => ({ A: tf.tensor3d([[a]]), B: tf.tensor3d([b.map((x) => [x])]), scale })

  it('is 0 when the generated update equals the teacher update in the x·A·B orientation, scaling included', () => {
    // Generated ΔW = A·B = [1,2,3]ᵀ·[4,5]. PEFT: s·A_Tᵀ·B_Tᵀ with s = 2, A_T = [1,2,3], B_T = [2, 2.5]ᵀ: the same (3 × 2) matrix.
    const gen = new Map([['m', generatedFactors([1, 2, 3], [4, 5])]])
    const teacher = new Map([['m', teacherFactors([1, 2, 3], [2, 2.5], 2)]])
    const mask = tf.ones([1])
    expect(value(parameterAlignment(gen, teacher, mask))).toBeCloseTo(0, 4)
    // The factor form agrees too: A = A_Tᵀ and B = s·B_Tᵀ = [4, 5].
    expect(value(parameterAlignment(gen, teacher, mask, { orientation: 'factors', scale: 1 }))).toBeCloseTo(0, 6)
    // The same update split differently (A doubled, B halved): 'delta' sees no difference, 'factors' does.
    const split = new Map([['m', generatedFactors([2, 4, 6], [2, 2.5])]])
    expect(value(parameterAlignment(split, teacher, mask))).toBeCloseTo(0, 4)
    expect(value(parameterAlignment(split, teacher, mask, { orientation: 'factors', scale: 1 }))).toBeCloseTo((1 + 4 + 9) / 3 + (4 + 6.25) / 2, 5)
    // The transposed update (what a missing transpose would align with) is far from the teacher's.
    const transposed = new Map([['m', { A: tf.tensor3d([[[4], [5]]]), B: tf.tensor3d([[[1, 2, 3]]]) }]])
    expect(() => parameterAlignment(transposed, teacher, mask)).toThrow(/teacher A has shape \[1,1,3\], expected \[1,1,2\]/)
  })

  it('matches the hand-computed MSE × 1000, and the code-swapped form refuses in ≠ out', () => {
    const gen = new Map([['m', generatedFactors([0, 0, 0], [0, 0])]])
    const teacher = new Map([['m', teacherFactors([1, 2, 3], [2, 2.5], 2)]])
    // ΔW_T = [[4,5],[8,10],[12,15]]: mean of squares = 574 / 6
    expect(value(parameterAlignment(gen, teacher, tf.ones([1])))).toBeCloseTo((1000 * 574) / 6, 0)
    expect(() => parameterAlignment(gen, teacher, tf.ones([1]), { orientation: 'code-swapped', scale: 1000 })).toThrow(/in = out/)
  })

  it('code-swapped compares A with B_T and B with A_T on a square module', () => {
    const gen = new Map([['m', { A: tf.tensor3d([[[1], [2]]]), B: tf.tensor3d([[[3, 4]]]) }]])
    const teacher = new Map([['m', { A: tf.tensor3d([[[3, 4]]]), B: tf.tensor3d([[[1], [2]]]), scale: 2 }]])
    expect(value(parameterAlignment(gen, teacher, tf.ones([1]), { orientation: 'code-swapped', scale: 1000 }))).toBeCloseTo(0, 6)
    // …which is not the correct alignment: ΔW_gen = [[3,4],[6,8]] vs 2·A_Tᵀ·B_Tᵀ = [[6,12],[8,16]]
    const expected = (1000 * ((3 - 6) ** 2 + (4 - 12) ** 2 + (6 - 8) ** 2 + (8 - 16) ** 2)) / 4
    expect(value(parameterAlignment(gen, teacher, tf.ones([1])))).toBeCloseTo(expected, 1)
  })

  it('averages only over tasks that have a teacher', () => {
    const gen = new Map([['m', { A: tf.zeros([2, 3, 1]), B: tf.zeros([2, 1, 2]) }]])
    const teacher = new Map([['m', { A: tf.tensor3d([[[1, 2, 3]], [[100, 100, 100]]]), B: tf.tensor3d([[[2], [2.5]], [[100], [100]]]), scale: 2 }]])
    expect(value(parameterAlignment(gen, teacher, tf.tensor1d([1, 0])))).toBeCloseTo((1000 * 574) / 6, 0)
    expect(value(parameterAlignment(gen, teacher, tf.tensor1d([0, 0])))).toBe(0)
  })

  it('names missing modules', () => {
    const gen = new Map([['a', { A: tf.zeros([1, 2, 1]), B: tf.zeros([1, 1, 2]) }]])
    const teacher = new Map([['b', { A: tf.zeros([1, 1, 2]), B: tf.zeros([1, 2, 1]), scale: 2 }]])
    expect(() => parameterAlignment(gen, teacher, tf.ones([1]))).toThrow(/no teacher for \[a\].*teacher only for \[b\]/)
  })
})

describe('combined TAGI loss', () => {
  it('weights L_kl by λ1 = 5 and L_ins by sigmoid(L_ins); each switch removes only its own term', () => {
    const terms = () => ({ ce: tf.scalar(1.5), kl: tf.scalar(0.2), ins: tf.scalar(0.7) })
    const sig = 1 / (1 + Math.exp(-0.7))
    const full = combineTagiLoss(terms())
    expect(value(full.total)).toBeCloseTo(1.5 + 5 * 0.2 + sig * 0.7, 5)
    expect(value(full.lambda2!)).toBeCloseTo(sig, 6)
    expect(value(combineTagiLoss(terms(), { ...DEFAULT_TAGI_LOSS, labels: false }).total)).toBeCloseTo(5 * 0.2 + sig * 0.7, 5)
    expect(value(combineTagiLoss(terms(), { ...DEFAULT_TAGI_LOSS, logits: null }).total)).toBeCloseTo(1.5 + sig * 0.7, 5)
    expect(value(combineTagiLoss(terms(), { ...DEFAULT_TAGI_LOSS, params: null }).total)).toBeCloseTo(1.5 + 5 * 0.2, 5)
    const constant = { ...DEFAULT_TAGI_LOSS, params: { ...DEFAULT_TAGI_LOSS.params!, weighting: 'constant' as const, weight: 0.5 } }
    expect(value(combineTagiLoss(terms(), constant).total)).toBeCloseTo(1.5 + 1 + 0.35, 5)
  })

  it('passes the gradient through both factors of sigmoid(L)·L', () => {
    const x = tf.variable(tf.scalar(0.7))
    const { grads } = tf.variableGrads(() => combineTagiLoss({ ce: null, kl: null, ins: tf.mul(x, 1) as tf.Scalar }, { labels: false, logits: null, params: DEFAULT_TAGI_LOSS.params }).total, [x])
    const s = 1 / (1 + Math.exp(-0.7))
    // d/dx [σ(x)·x] = σ(x) + x·σ(x)(1 − σ(x))
    expect(value(grads[x.name])).toBeCloseTo(s + 0.7 * s * (1 - s), 5)
    x.dispose()
  })

  it('refuses a configuration with every term off, and a term that is on but missing', () => {
    expect(() => combineTagiLoss({ ce: null, kl: null, ins: null }, { labels: false, logits: null, params: null })).toThrow(/every term/)
    expect(() => combineTagiLoss({ ce: tf.scalar(1), kl: null, ins: null })).toThrow(/logit KL/)
  })
})
