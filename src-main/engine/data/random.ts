/**
 * A small seeded pseudo-random generator shared by the data code (prompt label sampling, pretraining
 * splits, span corruption, the instruction suite). It follows mulberry32 (Tommy Ettinger's 32-bit
 * generator, public domain): one 32-bit state, fast, good enough for data shuffling, and its whole
 * state is one number, so a run can save and restore it exactly (resume = same data order).
 * Math.random is never used for data: every random choice here is reproducible from a seed.
 */

/** Mix a string into a 32-bit seed (FNV-1a), so that per-task streams can be derived from a name. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

export class Rng {
  #state: number

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, found ${seed}`)
    this.#state = seed >>> 0
  }

  /** A generator whose stream depends on this seed and a label only (e.g. a task name). */
  static derive(seed: number, label: string): Rng {
    return new Rng((seed >>> 0) ^ hashString(label))
  }

  /** The full state, to save in a checkpoint; `new Rng(0).setState(s)` continues the same stream. */
  get state(): number {
    return this.#state
  }

  setState(state: number): this {
    this.#state = state >>> 0
    return this
  }

  /** Uniform float in [0, 1) (mulberry32 step). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform integer in [low, high) (like numpy's randint and the `UniformInt[low, high)` of tagi-method.md). */
  int(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new Error(`Rng.int: need integers low < high, found [${low}, ${high})`)
    }
    return low + Math.floor(this.next() * (high - low))
  }

  /** One element chosen uniformly (Python's random.choice). */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: cannot pick from an empty list')
    return items[this.int(0, items.length)]!
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1)
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }

  /** `count` distinct elements in random order (Python's random.sample). */
  sample<T>(items: readonly T[], count: number): T[] {
    if (count > items.length) throw new Error(`Rng.sample: asked for ${count} of ${items.length} items`)
    return this.shuffle(items).slice(0, count)
  }
}
