// The trainer's lattice against hand computation: occurrences, forward-backward marginals, Viterbi with a
// piece left out, <unk> edges, and SentencePiece's digamma.
import { describe, expect, it } from 'vitest'
import { Lattice, SeedOccurrences, UNK_EDGE } from '../../../src-main/engine/tokenizers/unigram-lattice.ts'
import { digamma } from '../../../src-main/engine/tokenizers/train-unigram.ts'

// Characters a=0, b=1, c=2; seeds 0:"a" 1:"b" 2:"c" 3:"ab" 4:"abc".
const SEEDS = [[0], [1], [2], [0, 1], [0, 1, 2]]
const WORD = [0, 1, 2] // "abc"

function latticeFor(alive: number[], scores: number[], sequences: number[][] = [WORD]): Lattice {
  const pieceOfSeed = new Int32Array(SEEDS.length).fill(-1)
  alive.forEach((seed, i) => (pieceOfSeed[seed] = i))
  return new Lattice(new SeedOccurrences(sequences, SEEDS), pieceOfSeed, scores, -20)
}

describe('unigram lattice', () => {
  it('lists every seed occurrence, by start then length', () => {
    const occ = new SeedOccurrences([WORD, [2, 0]], SEEDS)
    expect(Array.from(occ.offsets)).toEqual([0, 5, 7])
    expect(Array.from(occ.seed)).toEqual([0, 3, 4, 1, 2, 2, 0])
    expect(Array.from(occ.start)).toEqual([0, 0, 0, 1, 2, 0, 1])
    expect(Array.from(occ.end)).toEqual([1, 2, 3, 2, 3, 1, 2])
  })

  it('computes the marginal probability of each piece (forward-backward)', () => {
    const scores = [Math.log(0.2), Math.log(0.1), Math.log(0.3), Math.log(0.25), Math.log(0.15)]
    const lattice = latticeFor([0, 1, 2, 3, 4], scores)
    lattice.build(0)
    // Paths of "abc": a|b|c = .006, ab|c = .075, abc = .15; Z = .231.
    const expected = new Float64Array(5)
    const logZ = lattice.accumulateExpected(3, 2, expected)
    expect(logZ).toBeCloseTo(Math.log(0.231), 12)
    const z = 0.231
    const want = [0.006 / z, 0.006 / z, (0.006 + 0.075) / z, 0.075 / z, 0.15 / z].map((p) => 2 * p)
    want.forEach((w, i) => expect(expected[i]).toBeCloseTo(w, 12))
    expect(lattice.viterbi(3)).toEqual({ pieces: [4], score: scores[4] })
  })

  it('finds the best segmentation without a given piece (pruning alternatives)', () => {
    const scores = [-1, -1, -1, -1.5, -2]
    const lattice = latticeFor([0, 1, 2, 3, 4], scores)
    lattice.build(0, 4)
    expect(lattice.viterbi(3)).toEqual({ pieces: [3, 2], score: -2.5 })
  })

  it('puts an <unk> edge where a character’s piece was pruned', () => {
    // Vocabulary without "b": "abc" = ab|c, or a|<unk>|c.
    const lattice = latticeFor([0, 2, 3], [-1, -1, -3])
    lattice.build(0)
    expect(lattice.viterbi(3)).toEqual({ pieces: [2, 1], score: -4 })
    const noAb = latticeFor([0, 2], [-1, -1])
    noAb.build(0)
    expect(noAb.viterbi(3)).toEqual({ pieces: [0, UNK_EDGE, 1], score: -22 })
  })

  it('digamma matches known values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 9)
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 9)
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 9)
  })
})
