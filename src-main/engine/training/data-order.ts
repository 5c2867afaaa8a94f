/**
 * Seeded, resumable data order: each epoch is a fresh permutation of the items drawn from the seed and
 * the epoch number alone, and the position inside it is two integers. A checkpoint stores that state, so
 * a resumed run sees exactly the batches the uninterrupted run would have seen (nanoGPT keeps it simpler
 * with random offsets; a permutation visits every item once per epoch, which matters with 100 items/task).
 */
import { Rng } from '../data/random.ts'

export interface DataOrderState {
  seed: number
  epoch: number
  /** Items of the current epoch already handed out. */
  cursor: number
}

export class DataOrder {
  private permutation: number[]

  constructor(
    readonly size: number,
    private state: DataOrderState,
  ) {
    if (!Number.isInteger(size) || size <= 0) throw new Error(`DataOrder: need at least one item, got ${size}`)
    if (state.cursor < 0 || state.cursor > size) throw new Error(`DataOrder: cursor ${state.cursor} is outside [0, ${size}]`)
    this.permutation = this.permutationFor(state.epoch)
  }

  static fresh(size: number, seed: number): DataOrder {
    return new DataOrder(size, { seed, epoch: 0, cursor: 0 })
  }

  private permutationFor(epoch: number): number[] {
    return Rng.derive(this.state.seed, `epoch-${epoch}`).shuffle(Array.from({ length: this.size }, (_, i) => i))
  }

  /** The next `count` item indices, crossing into the next epoch when this one runs out. */
  next(count: number): number[] {
    const out: number[] = []
    while (out.length < count) {
      if (this.state.cursor === this.size) {
        this.state = { ...this.state, epoch: this.state.epoch + 1, cursor: 0 }
        this.permutation = this.permutationFor(this.state.epoch)
      }
      out.push(this.permutation[this.state.cursor]!)
      this.state = { ...this.state, cursor: this.state.cursor + 1 }
    }
    return out
  }

  snapshot(): DataOrderState {
    return { ...this.state }
  }
}
