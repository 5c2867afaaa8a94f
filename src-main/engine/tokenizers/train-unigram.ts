/**
 * SentencePiece's Unigram trainer: seed substrings, EM with a Bayesian (digamma) M-step, and pruning by
 * likelihood loss until the vocabulary reaches the requested size.
 *
 * Follows Kudo 2018, "Subword Regularization" §3.2, and sentencepiece/src/unigram_model_trainer.cc
 * (MakeSeedSentencePieces, RunEStep, RunMStep, PruneSentencePieces, FinalizeSentencePieces) with its
 * defaults: max piece length 16, shrinking factor 0.75, 2 EM sub-iterations, expected-count threshold 0.5,
 * stop at 1.1 × the target size, then keep the best-scored pieces. This is the algorithm that built T5's
 * vocabulary, so a from-scratch model's tokenizer behaves like the real one. Two differences, both for
 * exactness: the result always has exactly `vocabSize` pieces (if EM leaves fewer, the most frequent
 * remaining seed substrings fill the last slots with the lowest scores; a corpus too small even for that is
 * an error), and `requiredChars` can add characters absent from the corpus.
 */
import type { CountedWord } from './word-counts.ts'
import { Lattice, SeedOccurrences, UNK_EDGE } from './unigram-lattice.ts'

export interface UnigramTrainerConfig {
  /** Learned pieces wanted, characters included (the specials and sentinels are added by the caller). */
  readonly vocabSize: number
  /** SentencePiece's max_sentencepiece_length default: longer pieces are rare and slow the lattice. */
  readonly maxPieceLength?: number
  /** Seed candidates kept before EM, × target: 8 reaches the target in ~7 pruning rounds (SentencePiece seeds 1M, too slow here). */
  readonly seedSizeFactor?: number
  /** SentencePiece default: each pruning round keeps 75% of the pieces. */
  readonly shrinkingFactor?: number
  /** SentencePiece default: EM iterations between two pruning rounds. */
  readonly numSubIterations?: number
  /**
   * SentencePiece's character_coverage default: the rarest characters (0.05% of occurrences) become <unk>
   * instead of spending a slot each, which matters in a 2000-token vocabulary fed web text with emoji.
   */
  readonly characterCoverage?: number
  /** Characters every vocabulary must contain even if the corpus lacks them (e.g. printable ASCII). */
  readonly requiredChars?: readonly string[]
  /** Strings no learned piece may equal (the special and sentinel tokens). */
  readonly reservedPieces?: ReadonlySet<string>
}

/** SentencePiece drops a piece whose expected count falls below this (kExpectedFrequencyThreshold). */
const EXPECTED_FREQUENCY_THRESHOLD = 0.5
/** SentencePiece's unknown-piece penalty below the lowest score (kUnkPenalty). */
const UNK_PENALTY = 10
/** Score gap between filler pieces below the lowest learned score (SentencePiece's kMinScorePenaltyDelta). */
const MIN_SCORE_PENALTY_DELTA = 0.0001

/** The seeds (characters first, then substrings), found in the corpus words and in each other once. */
interface Seeds {
  strings: string[]
  chars: number[][]
  inWords: SeedOccurrences
  inSeeds: SeedOccurrences
}

/** The current vocabulary: seed ids (ascending) and their log-probability scores. */
interface PieceSet {
  seeds: number[]
  scores: number[]
}

/** Trains a Unigram vocabulary; returns [piece, log-prob score] sorted best first (ties by piece). */
export function trainUnigram(words: readonly CountedWord[], corpusAlphabet: readonly string[], config: UnigramTrainerConfig): [string, number][] {
  const maxPieceLength = config.maxPieceLength ?? 16
  const shrinkingFactor = config.shrinkingFactor ?? 0.75
  const numSubIterations = config.numSubIterations ?? 2
  const reserved = config.reservedPieces ?? new Set<string>()
  const target = config.vocabSize
  const alphabet = [...corpusAlphabet]
  for (const ch of config.requiredChars ?? []) if (!alphabet.includes(ch)) alphabet.push(ch)
  const charCounts = new Array<number>(alphabet.length).fill(0)
  for (const { chars, count } of words) for (const ch of chars) charCounts[ch] += count
  const kept = coveredChars(charCounts, config.characterCoverage ?? 0.9995)
  for (const ch of config.requiredChars ?? []) kept[alphabet.indexOf(ch)] = 1
  const keptChars = alphabet.filter((_, i) => kept[i])
  if (keptChars.length > target) {
    throw new Error(`trainTokenizer: ${target} learned pieces cannot hold the ${keptChars.length} characters the corpus needs; raise vocabSize by at least ${keptChars.length - target} or lower characterCoverage`)
  }
  const pool = seedCandidates(words, alphabet, kept, maxPieceLength, reserved)
  const seedSize = Math.max(target, Math.floor(target * (config.seedSizeFactor ?? 8)))
  const { seeds, pieces: initial } = makeSeeds(words, alphabet, charCounts, kept, pool.slice(0, seedSize))

  let pieces = initial
  const desired = Math.floor(target * 1.1)
  for (;;) {
    for (let i = 0; i < numSubIterations; i++) pieces = mStep(pieces, eStep(words, seeds, pieces))
    if (pieces.seeds.length <= desired) break
    pieces = prune(words, seeds, pieces, Math.max(desired, Math.floor(shrinkingFactor * pieces.seeds.length)))
  }
  const learned = pieces.seeds.map((seed, i) => [seeds.strings[seed], pieces.scores[i]] as [string, number])
  return finalize(learned, keptChars, pool.map(([piece]) => piece), target)
}

/** 1 for the most frequent characters that together cover `coverage` of all occurrences (SentencePiece's rule). */
function coveredChars(charCounts: readonly number[], coverage: number): Uint8Array {
  const kept = new Uint8Array(charCounts.length)
  const total = charCounts.reduce((a, b) => a + b, 0)
  const byCount = charCounts.map((_, i) => i).sort((a, b) => charCounts[b] - charCounts[a] || a - b)
  let covered = 0
  for (const ch of byCount) {
    if (charCounts[ch] === 0 || covered >= coverage * total) break
    covered += charCounts[ch]
    kept[ch] = 1
  }
  return kept
}

/**
 * Substrings of 2..maxPieceLength code points with count × length, best first. Like SentencePiece's
 * IsValidSentencePiece (split_by_whitespace, split_by_unicode_script), a piece has '▁' only first and one
 * Unicode script after it, so letters never fuse with digits or punctuation ("it's" → ▁it ' s, as in T5).
 */
function seedCandidates(words: readonly CountedWord[], alphabet: readonly string[], kept: Uint8Array, maxPieceLength: number, reserved: ReadonlySet<string>): [string, number][] {
  // A character left out by the coverage rule is <unk>: no piece may contain it.
  const scripts = alphabet.map((ch, i) => (kept[i] ? scriptOf(ch) : UNCOVERED))
  const counts = new Map<string, number>()
  for (const { chars, count } of words) {
    for (let begin = 0; begin < chars.length; begin++) {
      if (!kept[chars[begin]]) continue
      let piece = alphabet[chars[begin]]
      let script = scripts[chars[begin]]
      for (let end = begin + 1; end < chars.length && end - begin < maxPieceLength; end++) {
        const next = scripts[chars[end]]
        if (next === UNCOVERED || next === WHITESPACE_SCRIPT || (script !== WHITESPACE_SCRIPT && next !== script)) break
        script = next
        piece += alphabet[chars[end]]
        counts.set(piece, (counts.get(piece) ?? 0) + count)
      }
    }
  }
  const scored: [string, number][] = []
  for (const [piece, count] of counts) if (!reserved.has(piece)) scored.push([piece, count * Array.from(piece).length])
  // A stable sort: ties keep first-seen order, which is deterministic for a given input.
  return scored.sort((a, b) => b[1] - a[1])
}

const WHITESPACE_SCRIPT = 'Whitespace'
const UNCOVERED = 'Uncovered'
/** Scripts a piece may not mix; ICU-style GetScript over the scripts of likely corpora, Kana merged into Han as SentencePiece does. */
const SCRIPTS = [
  'Latin', 'Common', 'Inherited', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan',
  'Myanmar', 'Georgian', 'Hangul', 'Ethiopic', 'Khmer', 'Mongolian', 'Han', 'Hiragana', 'Katakana',
].map((name) => [name === 'Hiragana' || name === 'Katakana' ? 'Han' : name, new RegExp(`^\\p{Script=${name}}$`, 'u')] as const)

function scriptOf(ch: string): string {
  if (ch === '\u2581') return WHITESPACE_SCRIPT
  if (ch === '\u30fc') return 'Han' // the prolonged sound mark, which SentencePiece also counts as Han
  return SCRIPTS.find(([, pattern]) => pattern.test(ch))?.[0] ?? 'Other'
}

/**
 * Seeds are every character (seed id = character id; score = its count) then the substrings (count ×
 * length); the initial vocabulary is the kept characters plus the substrings, as log-probabilities. An
 * uncovered character is still a seed, so that its positions are listed and the lattice gives them <unk>.
 */
function makeSeeds(words: readonly CountedWord[], alphabet: readonly string[], charCounts: readonly number[], kept: Uint8Array, substrings: [string, number][]): { seeds: Seeds; pieces: PieceSet } {
  // A required character absent from the corpus gets count 1 so its log-probability stays finite.
  const raw: [string, number][] = alphabet.map((ch, i) => [ch, Math.max(1, charCounts[i])])
  raw.push(...substrings)
  const charIds = new Map(alphabet.map((ch, i) => [ch, i]))
  const chars = raw.map(([piece]) => Array.from(piece, (ch) => charIds.get(ch) as number))
  const initial = raw.map((_, seed) => seed).filter((seed) => seed >= alphabet.length || kept[seed])
  const logTotal = Math.log(initial.reduce((sum, seed) => sum + raw[seed][1], 0))
  return {
    seeds: {
      strings: raw.map(([piece]) => piece),
      chars,
      inWords: new SeedOccurrences(words.map((word) => word.chars), chars),
      inSeeds: new SeedOccurrences(chars, chars),
    },
    pieces: { seeds: initial, scores: initial.map((seed) => Math.log(raw[seed][1]) - logTotal) },
  }
}

function latticeOver(occurrences: SeedOccurrences, numSeeds: number, pieces: PieceSet): Lattice {
  const pieceOfSeed = new Int32Array(numSeeds).fill(-1)
  pieces.seeds.forEach((seed, i) => (pieceOfSeed[seed] = i))
  return new Lattice(occurrences, pieceOfSeed, pieces.scores, minimum(pieces.scores) - UNK_PENALTY)
}

/** Expected count of every piece over the corpus (forward-backward per distinct word, weighted by its count). */
function eStep(words: readonly CountedWord[], seeds: Seeds, pieces: PieceSet): Float64Array {
  const expected = new Float64Array(pieces.seeds.length)
  const lattice = latticeOver(seeds.inWords, seeds.strings.length, pieces)
  words.forEach(({ chars, count }, w) => {
    lattice.build(w)
    lattice.accumulateExpected(chars.length, count, expected)
  })
  return expected
}

/** Drops rare pieces; score = digamma(count) − digamma(total), SentencePiece's variational Bayes M-step. */
function mStep(pieces: PieceSet, expected: Float64Array): PieceSet {
  const kept = pieces.seeds.map((_, i) => i).filter((i) => expected[i] >= EXPECTED_FREQUENCY_THRESHOLD)
  const logTotal = digamma(kept.reduce((sum, i) => sum + expected[i], 0))
  return { seeds: kept.map((i) => pieces.seeds[i]), scores: kept.map((i) => digamma(expected[i]) - logTotal) }
}

/**
 * Keeps the `keep` pieces whose removal would cost the corpus likelihood most. A removed piece's Viterbi
 * count moves to its best segmentation without it (its "alternatives"); a piece with no alternative stays.
 */
function prune(words: readonly CountedWord[], seeds: Seeds, pieces: PieceSet, keep: number): PieceSet {
  const n = pieces.seeds.length
  const inSeeds = latticeOver(seeds.inSeeds, seeds.strings.length, pieces)
  const alternatives: number[][] = []
  const removable = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const length = seeds.chars[pieces.seeds[i]].length
    // A single character has no alternative (SentencePiece finds no second-best path): it always stays.
    const alt = length === 1 ? null : (inSeeds.build(pieces.seeds[i], i), inSeeds.viterbi(length))
    alternatives.push(alt === null ? [] : alt.pieces)
    // The piece is not its own best segmentation, so Viterbi never emits it: it can go.
    if (alt !== null && alt.score > pieces.scores[i]) removable[i] = 1
  }
  const viterbiCount = new Float64Array(n)
  // Summed count of the words whose best path uses the piece (each word once): SentencePiece's F.
  const wordsContaining = new Float64Array(n)
  const lastWord = new Int32Array(n).fill(-1)
  let totalWords = 0
  const inWords = latticeOver(seeds.inWords, seeds.strings.length, pieces)
  for (let w = 0; w < words.length; w++) {
    const { chars, count } = words[w]
    totalWords += count
    inWords.build(w)
    for (const piece of inWords.viterbi(chars.length)?.pieces ?? []) {
      if (piece === UNK_EDGE) continue
      viterbiCount[piece] += count
      if (lastWord[piece] !== w) {
        wordsContaining[piece] += count
        lastWord[piece] = w
      }
    }
  }
  const total = viterbiCount.reduce((a, b) => a + b, 0)
  const logTotal = Math.log(total)
  const kept: number[] = []
  const candidates: { index: number; loss: number }[] = []
  for (let i = 0; i < n; i++) {
    if (viterbiCount[i] === 0 || removable[i]) continue
    if (alternatives[i].length === 0) {
      kept.push(i)
      continue
    }
    const freq = viterbiCount[i]
    const logProbWith = Math.log(freq) - logTotal
    const logTotalWithout = Math.log(total + freq * (alternatives[i].length - 1))
    let logProbWithout = 0
    for (const alt of alternatives[i]) {
      const altCount = alt === UNK_EDGE ? 0 : viterbiCount[alt]
      logProbWithout += Math.log(altCount + freq) - logTotalWithout
    }
    candidates.push({ index: i, loss: (wordsContaining[i] / totalWords) * (logProbWith - logProbWithout) })
  }
  candidates.sort((a, b) => b.loss - a.loss || a.index - b.index)
  for (const { index } of candidates) {
    if (kept.length >= keep) break
    kept.push(index)
  }
  kept.sort((a, b) => a - b)
  return { seeds: kept.map((i) => pieces.seeds[i]), scores: kept.map((i) => pieces.scores[i]) }
}

/** Every character first, then the best-scored pieces, then seed fillers, to exactly `target` pieces. */
function finalize(learned: [string, number][], alphabet: readonly string[], fillers: readonly string[], target: number): [string, number][] {
  const scoreOf = new Map(learned)
  const minScore = minimum(learned.map(([, score]) => score))
  let penalty = 0
  const final = new Map<string, number>()
  for (const ch of alphabet) final.set(ch, scoreOf.get(ch) ?? minScore - (penalty += MIN_SCORE_PENALTY_DELTA))
  const byScore = [...learned]
  byScore.sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
  for (const [piece, score] of byScore) {
    if (final.size >= target) break
    if (!final.has(piece)) final.set(piece, score)
  }
  for (const piece of fillers) {
    if (final.size >= target) break
    if (!final.has(piece)) final.set(piece, minScore - (penalty += MIN_SCORE_PENALTY_DELTA))
  }
  if (final.size < target) {
    throw new Error(`trainTokenizer: the corpus yields only ${final.size} distinct pieces (characters and substrings), fewer than the ${target} learned pieces requested; use more text or a smaller vocabSize`)
  }
  return [...final].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
}

function minimum(values: readonly number[]): number {
  let min = Infinity
  for (const v of values) if (v < min) min = v
  return min
}

/** Code-unit order, locale-independent, so training is deterministic everywhere. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** ψ(x) by recurrence to x ≥ 7 and the asymptotic series, as SentencePiece's Digamma(). */
export function digamma(x: number): number {
  let result = 0
  for (; x < 7; x++) result -= 1 / x
  x -= 0.5
  const xx = 1 / x
  const xx2 = xx * xx
  const xx4 = xx2 * xx2
  return result + Math.log(x) + xx2 / 24 - (7 / 960) * xx4 + (31 / 8064) * xx4 * xx2 - (127 / 30720) * xx4 * xx4
}
