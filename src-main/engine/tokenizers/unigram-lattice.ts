/**
 * The Unigram lattice used by the trainer: every vocabulary piece that occurs at every position of a word,
 * with the forward-backward pass (E-step expected counts) and the Viterbi best path.
 *
 * Follows SentencePiece's unigram_model.cc (Kudo 2018, "Subword Regularization", §3.2): positions are code
 * points, a position with no one-character piece gets an <unk> edge scored min(score) − 10 (kUnkPenalty),
 * and probabilities are in log space. Written here rather than taken from @huggingface/tokenizers because
 * training needs the marginals (forward-backward) and a Viterbi that can leave one piece out, which that
 * package's lattice does not offer; encoding after training goes through the package (text-tokenizer.ts).
 */

/** Marks an <unk> edge in `pieceOf`. */
export const UNK_EDGE = -1

/** Prefix trie over pieces given as code-point-id arrays; node 0 is the root. */
export class PieceTrie {
  private readonly children: Map<number, number>[] = [new Map()]
  private readonly pieceAtNode: number[] = [-1]

  constructor(pieces: readonly (readonly number[])[]) {
    pieces.forEach((chars, pieceId) => {
      let node = 0
      for (const ch of chars) {
        let next = this.children[node].get(ch)
        if (next === undefined) {
          next = this.children.length
          this.children.push(new Map())
          this.pieceAtNode.push(-1)
          this.children[node].set(ch, next)
        }
        node = next
      }
      this.pieceAtNode[node] = pieceId
    })
  }

  child(node: number, ch: number): number | undefined {
    return this.children[node].get(ch)
  }

  pieceAt(node: number): number {
    return this.pieceAtNode[node]
  }
}

/** A growable Int32 column. */
class IntColumn {
  data = new Int32Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    this.data[this.length++] = value
  }
}

/**
 * Every occurrence of every seed piece in a list of sequences (code-point-id arrays), found once with a
 * trie. Pieces only ever disappear during training, so each round's lattice is this list filtered, with
 * no trie walk. Occurrences of one sequence are sorted by start, then by length.
 */
export class SeedOccurrences {
  readonly offsets: Int32Array
  readonly start: Int32Array
  readonly end: Int32Array
  readonly seed: Int32Array

  constructor(sequences: readonly (readonly number[])[], seeds: readonly (readonly number[])[]) {
    const trie = new PieceTrie(seeds)
    const start = new IntColumn()
    const end = new IntColumn()
    const seed = new IntColumn()
    this.offsets = new Int32Array(sequences.length + 1)
    sequences.forEach((chars, s) => {
      for (let begin = 0; begin < chars.length; begin++) {
        let node = 0
        for (let pos = begin; pos < chars.length; pos++) {
          const next = trie.child(node, chars[pos])
          if (next === undefined) break
          node = next
          if (trie.pieceAt(node) < 0) continue
          start.push(begin)
          end.push(pos + 1)
          seed.push(trie.pieceAt(node))
        }
      }
      this.offsets[s + 1] = start.length
    })
    this.start = start.data.subarray(0, start.length)
    this.end = end.data.subarray(0, end.length)
    this.seed = seed.data.subarray(0, seed.length)
  }
}

/** The edges of one sequence's lattice, sorted by start position (reused buffers; valid until the next build). */
export class Lattice {
  count = 0
  start = new Int32Array(256)
  end = new Int32Array(256)
  pieceOf = new Int32Array(256)
  score = new Float64Array(256)
  private alpha = new Float64Array(64)
  private beta = new Float64Array(64)

  /**
   * `pieceOfSeed` maps a seed id to its index in the current vocabulary (-1 once pruned); `scores` is
   * indexed by that index.
   */
  constructor(
    private readonly occurrences: SeedOccurrences,
    private readonly pieceOfSeed: Int32Array,
    private readonly scores: ArrayLike<number>,
    private readonly unkScore: number,
  ) {}

  /**
   * Fills the edges of sequence `index`. `excluded` leaves one piece out, to ask "how would this piece be
   * segmented if it were removed" (the pruning step). A position whose one-character piece is gone gets
   * an <unk> edge instead (every character was seeded, so its occurrence is always listed).
   */
  build(index: number, excluded = -1): void {
    const { offsets, start, end, seed } = this.occurrences
    this.count = 0
    for (let o = offsets[index]; o < offsets[index + 1]; o++) {
      const piece = this.pieceOfSeed[seed[o]]
      const alive = piece >= 0 && piece !== excluded
      if (alive) this.push(start[o], end[o], piece, this.scores[piece])
      else if (end[o] - start[o] === 1) this.push(start[o], end[o], UNK_EDGE, this.unkScore)
    }
  }

  /**
   * Adds `weight` × P(edge | word) to `expected[piece]` for every edge; returns log Z (the word's log
   * marginal likelihood), or -Infinity when the word has no segmentation.
   */
  accumulateExpected(length: number, weight: number, expected: Float64Array): number {
    const alpha = this.positions('alpha', length)
    const beta = this.positions('beta', length)
    alpha[0] = 0
    for (let e = 0; e < this.count; e++) {
      alpha[this.end[e]] = logAddExp(alpha[this.end[e]], alpha[this.start[e]] + this.score[e])
    }
    beta[length] = 0
    for (let e = this.count - 1; e >= 0; e--) {
      beta[this.start[e]] = logAddExp(beta[this.start[e]], this.score[e] + beta[this.end[e]])
    }
    const logZ = alpha[length]
    if (logZ === -Infinity) return logZ
    for (let e = 0; e < this.count; e++) {
      const piece = this.pieceOf[e]
      if (piece === UNK_EDGE) continue
      expected[piece] += weight * Math.exp(alpha[this.start[e]] + this.score[e] + beta[this.end[e]] - logZ)
    }
    return logZ
  }

  /** Best path as piece ids (UNK_EDGE for <unk>) and its score; null if no path reaches the end. */
  viterbi(length: number): { pieces: number[]; score: number } | null {
    const best = this.positions('alpha', length)
    const backEdge = new Int32Array(length + 1).fill(-1)
    best[0] = 0
    for (let e = 0; e < this.count; e++) {
      const candidate = best[this.start[e]] + this.score[e]
      // Strictly greater keeps the first edge found on ties, so the result is deterministic.
      if (candidate > best[this.end[e]]) {
        best[this.end[e]] = candidate
        backEdge[this.end[e]] = e
      }
    }
    if (best[length] === -Infinity) return null
    const pieces: number[] = []
    for (let pos = length; pos > 0; pos = this.start[backEdge[pos]]) pieces.push(this.pieceOf[backEdge[pos]])
    return { pieces: pieces.reverse(), score: best[length] }
  }

  private push(start: number, end: number, piece: number, score: number): void {
    if (this.count === this.start.length) this.grow()
    this.start[this.count] = start
    this.end[this.count] = end
    this.pieceOf[this.count] = piece
    this.score[this.count] = score
    this.count++
  }

  private grow(): void {
    const size = this.start.length * 2
    const copy = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b)
    this.start = copy(this.start, new Int32Array(size))
    this.end = copy(this.end, new Int32Array(size))
    this.pieceOf = copy(this.pieceOf, new Int32Array(size))
    this.score = copy(this.score, new Float64Array(size))
  }

  /** A -Infinity-filled buffer with one slot per position 0..length. */
  private positions(which: 'alpha' | 'beta', length: number): Float64Array {
    if (this[which].length < length + 1) this[which] = new Float64Array(2 * (length + 1))
    const buffer = this[which]
    buffer.fill(-Infinity, 0, length + 1)
    return buffer
  }
}

export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b))
}
