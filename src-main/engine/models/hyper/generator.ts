/**
 * Adapter generators: task code → LoRA factors for every q/v projection of one stack
 * (tagi-method.md §2.4; code: model.py `HyperNet` + `HyperParamNet`; paper Eq. 2).
 *
 * Each generator holds two 2-layer MLPs, one for A and one for B:
 *   u = [z ; position]                       z: task code (encodingDim), position: which layer and q/v
 *   A = reshape(ReLU(u·W1a + b1a)·W2a + b2a, (in, r))
 *   B = reshape(ReLU(u·W1b + b1b)·W2b + b2b, (r, out)) / sqrt(r)     (the code's `scale=True`; no α/r)
 * Every (task, position) pair is one row of a single 2-D matMul, so a whole stack is generated at once
 * on the fast path. With 'per-layer' each layer has its own MLP pair (the paper's text) and q/v are told
 * apart by a 0/1 feature.
 */
import { tf } from '../../backend/index.ts'
import { matMul2d } from '../../backend/ops.ts'
import { hashString } from '../../data/random.ts'
import type { HyperConfig } from './config.ts'

/** The three stacks that receive generated adapters, and where each projection lives in the T5 model. */
export type StackName = 'encoder_self' | 'decoder_self' | 'decoder_cross'
export const PROJECTIONS = ['q', 'v'] as const

interface MlpHead {
  w1: tf.Variable // (inputDim, hidden)
  b1: tf.Variable // (hidden)
  w2: tf.Variable // (hidden, outputDim)
  b2: tf.Variable // (outputDim)
}

export interface StackShape {
  name: StackName
  layers: number
  dIn: number
  dOut: number
}

/** Deterministic initialiser: every variable's stream depends on the seed and its name only. */
export function seededNormal(seed: number, name: string, shape: number[], std: number): tf.Tensor {
  return tf.randomNormal(shape, 0, std, 'float32', (seed ^ hashString(name)) >>> 0)
}

function seededUniform(seed: number, name: string, shape: number[], bound: number): tf.Tensor {
  return tf.randomUniform(shape, -bound, bound, 'float32', (seed ^ hashString(name)) >>> 0)
}

export class StackGenerator {
  readonly positions: number
  /** name → variable, names relative to `generators.<stack>.` */
  readonly variables = new Map<string, tf.Variable>()
  private readonly heads: { a: MlpHead; b: MlpHead }[] = []
  private readonly positionTable: tf.Variable | null = null

  constructor(
    readonly shape: StackShape,
    readonly config: HyperConfig,
    seed: number,
  ) {
    this.positions = shape.layers * PROJECTIONS.length
    const { rank, encodingDim, hiddenDim, positionEncoding, positionEmbeddingDim } = config
    const positionDim = positionEncoding === 'learned' ? positionEmbeddingDim : 1
    const inputDim = encodingDim + positionDim
    const prefix = `generators.${shape.name}`
    const register = (name: string, initial: tf.Tensor): tf.Variable => {
      const v = tf.variable(initial, true)
      initial.dispose()
      this.variables.set(`${prefix}.${name}`, v)
      return v
    }
    const makeHead = (name: string, outputDim: number, isB: boolean): MlpHead => {
      const code = config.init === 'code'
      // LoRA-style default: He-normal first layer; A's output layer small random around a kaiming-uniform
      // bias (PEFT's A init, bound 1/sqrt(in)); B's output layer exactly zero, so ΔW = A·B starts at 0.
      const w1 = code ? seededNormal(seed, `${prefix}.${name}.w1`, [inputDim, hiddenDim], 1e-7) : seededNormal(seed, `${prefix}.${name}.w1`, [inputDim, hiddenDim], Math.sqrt(2 / inputDim))
      const w2 = code
        ? seededNormal(seed, `${prefix}.${name}.w2`, [hiddenDim, outputDim], 1e-7)
        : isB
          ? tf.zeros([hiddenDim, outputDim])
          : seededNormal(seed, `${prefix}.${name}.w2`, [hiddenDim, outputDim], 1 / Math.sqrt(shape.dIn * hiddenDim))
      const b2 = code || isB ? tf.zeros([outputDim]) : seededUniform(seed, `${prefix}.${name}.b2`, [outputDim], 1 / Math.sqrt(shape.dIn))
      return { w1: register(`${name}.w1`, w1), b1: register(`${name}.b1`, tf.zeros([hiddenDim])), w2: register(`${name}.w2`, w2), b2: register(`${name}.b2`, b2) }
    }
    const headCount = positionEncoding === 'per-layer' ? shape.layers : 1
    for (let h = 0; h < headCount; h++) {
      const tag = positionEncoding === 'per-layer' ? `layer${h}.` : ''
      this.heads.push({ a: makeHead(`${tag}a`, shape.dIn * rank, false), b: makeHead(`${tag}b`, rank * shape.dOut, true) })
    }
    if (positionEncoding === 'learned') {
      this.positionTable = register('position_embedding', seededNormal(seed, `${prefix}.position_embedding`, [this.positions, positionEmbeddingDim], 1))
    }
  }

  /**
   * @param code (U, encodingDim) task codes
   * @returns per position p = 2·layer + (0 q | 1 v): A (U, in, r) and B (U, r, out)
   */
  generate(code: tf.Tensor2D): { A: tf.Tensor3D; B: tf.Tensor3D }[] {
    const [tasks] = code.shape
    const { rank } = this.config
    const { dIn, dOut, layers } = this.shape
    const out: { A: tf.Tensor3D; B: tf.Tensor3D }[] = []
    const emit = (head: { a: MlpHead; b: MlpHead }, rows: tf.Tensor2D, count: number) => {
      const a = tf.reshape(mlp(head.a, rows), [tasks, count, dIn * rank]) // (U, P', in·r)
      const b = tf.div(tf.reshape(mlp(head.b, rows), [tasks, count, rank * dOut]), Math.sqrt(rank)) // (U, P', r·out)
      for (let p = 0; p < count; p++) {
        out.push({
          A: tf.reshape(tf.slice(a, [0, p, 0], [tasks, 1, dIn * rank]), [tasks, dIn, rank]) as tf.Tensor3D,
          B: tf.reshape(tf.slice(b, [0, p, 0], [tasks, 1, rank * dOut]), [tasks, rank, dOut]) as tf.Tensor3D,
        })
      }
    }
    if (this.config.positionEncoding === 'per-layer') {
      const qv = tf.tensor2d([[0], [1]]) // q/v feature inside one layer
      for (let l = 0; l < layers; l++) emit(this.heads[l], rowsFor(code, qv), PROJECTIONS.length)
      return out
    }
    const positions =
      this.positionTable ?? tf.tensor2d(Array.from({ length: this.positions }, (_, i) => [i]), [this.positions, 1]) // the code's raw idx
    emit(this.heads[0], rowsFor(code, positions as tf.Tensor2D), this.positions)
    return out
  }
}

/** Every (task, position) pair as one row [z_u ; pos_p], task-major: (U·P, E + positionDim). */
function rowsFor(code: tf.Tensor2D, positions: tf.Tensor2D): tf.Tensor2D {
  const [tasks, encodingDim] = code.shape
  const count = positions.shape[0]
  const codes = tf.reshape(tf.tile(tf.expandDims(code, 1), [1, count, 1]), [tasks * count, encodingDim])
  const pos = tf.tile(positions, [tasks, 1]) // (U·P, positionDim)
  return tf.concat([codes, pos], 1) as tf.Tensor2D
}

function mlp(head: MlpHead, rows: tf.Tensor2D): tf.Tensor2D {
  const hidden = tf.relu(tf.add(matMul2d(rows, head.w1 as tf.Tensor as tf.Tensor2D), head.b1)) as tf.Tensor2D
  return tf.add(matMul2d(hidden, head.w2 as tf.Tensor as tf.Tensor2D), head.b2) as tf.Tensor2D
}
