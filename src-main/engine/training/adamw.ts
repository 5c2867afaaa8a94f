/**
 * AdamW (Loshchilov & Hutter 2019, decoupled weight decay) with global-norm gradient clipping, the
 * optimiser of every TAGI stage (tagi-method.md §4: AdamW, weight decay 0, grad-clip 1.0 — the HF
 * Trainer defaults). Written out rather than `tf.train.adam` because tfjs has no decoupled weight decay
 * and a checkpoint must hold the moments by parameter name, so a resumed run continues exactly.
 */
import { tf } from '../backend/index.ts'

export interface AdamWConfig {
  /** First-moment decay; 0.9 is the universal default. */
  beta1: number
  /** Second-moment decay; 0.999 (HF and PyTorch default). */
  beta2: number
  /** Added to sqrt(v̂); 1e-8 (HF default). */
  epsilon: number
  /** Decoupled weight decay; 0 as in the HF Trainer default the paper's runs used. */
  weightDecay: number
  /** Clip the global gradient norm to this value (HF default 1.0); 0 disables clipping. */
  clipNorm: number
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 1 }

/** A non-trainable variable that takes over `initial` (tf.variable copies it; the original is released). */
function ownedVariable(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial, false)
  initial.dispose()
  return v
}

export class AdamW {
  /** Updates applied so far (bias correction uses it). */
  updates = 0
  private readonly first = new Map<string, tf.Variable>()
  private readonly second = new Map<string, tf.Variable>()

  constructor(
    readonly params: Map<string, tf.Variable>,
    readonly config: AdamWConfig = DEFAULT_ADAMW,
  ) {
    for (const [name, p] of params) {
      this.first.set(name, ownedVariable(tf.zerosLike(p)))
      this.second.set(name, ownedVariable(tf.zerosLike(p)))
    }
  }

  /**
   * Apply one update. `grads` is keyed by parameter name; a parameter without a gradient is left as is.
   * @returns the global gradient norm before clipping
   */
  apply(grads: Map<string, tf.Tensor>, learningRate: number): number {
    for (const name of grads.keys()) if (!this.params.has(name)) throw new Error(`AdamW: gradient for unknown parameter '${name}'`)
    const norm = tf.tidy(() => {
      const squares = [...grads.values()].map((g) => tf.sum(tf.mul(g, g)))
      return squares.length ? Math.sqrt(tf.addN(squares).dataSync()[0]) : 0
    })
    if (!Number.isFinite(norm)) throw new Error(`AdamW: the gradient norm is ${norm}; the loss diverged (try a lower learning rate)`)
    const clip = this.config.clipNorm > 0 && norm > this.config.clipNorm ? this.config.clipNorm / (norm + 1e-6) : 1
    this.updates += 1
    const { beta1, beta2, epsilon, weightDecay } = this.config
    const correction1 = 1 - beta1 ** this.updates
    const correction2 = 1 - beta2 ** this.updates
    tf.tidy(() => {
      for (const [name, rawGrad] of grads) {
        const p = this.params.get(name)!
        const g = clip === 1 ? rawGrad : tf.mul(rawGrad, clip)
        const m = this.first.get(name)!
        const v = this.second.get(name)!
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)))
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.mul(g, g), 1 - beta2)))
        const step = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon))
        const decayed = weightDecay > 0 ? tf.add(step, tf.mul(p, weightDecay)) : step
        p.assign(tf.sub(p, tf.mul(decayed, learningRate)))
      }
    })
    return norm
  }

  /** The moments by name (`m/<param>`, `v/<param>`), for a checkpoint. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>()
    for (const [name, m] of this.first) out.set(`m/${name}`, m)
    for (const [name, v] of this.second) out.set(`v/${name}`, v)
    return out
  }

  /** Restore moments and the update count; every moment must be present with its parameter's shape. */
  loadState(tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array }>, updates: number): void {
    for (const [prefix, moments] of [['m', this.first], ['v', this.second]] as const) {
      for (const [name, variable] of moments) {
        const t = tensors.get(`${prefix}/${name}`)
        if (!t) throw new Error(`AdamW checkpoint: moment '${prefix}/${name}' is missing`)
        if (t.shape.join() !== variable.shape.join()) throw new Error(`AdamW checkpoint: moment '${prefix}/${name}' has shape [${t.shape}], expected [${variable.shape}]`)
        tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(t.data), variable.shape)))
      }
    }
    this.updates = updates
  }

  dispose(): void {
    for (const v of [...this.first.values(), ...this.second.values()]) v.dispose()
  }
}
