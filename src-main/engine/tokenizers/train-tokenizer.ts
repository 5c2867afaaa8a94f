/**
 * trainTokenizer: a T5-style tokenizer of an exact vocabulary size, trained on local text for the
 * from-scratch presets.
 *
 * Follows T5 (Raffel et al. 2020 §2.2: a SentencePiece Unigram vocabulary, case kept) with the layout of
 * t5-conventions.ts: `<pad>` 0 (also the decoder start), `</s>` 1, `<unk>` 2, the learned pieces best
 * score first, then the sentinels with `<extra_id_0>` last. The vocabulary is learned by train-unigram.ts
 * on the words that the saved tokenizer.json's own normalizer and pre-tokenizer produce (word-counts.ts),
 * and the result is a tokenizer.json that loadTokenizer (or HF `tokenizers`) reads back unchanged.
 * Every printable ASCII character gets a piece even if the corpus lacks it, so any ordinary English text
 * round-trips through encode → decode (T5's own vocabulary lacks '{' and '}', a known wart).
 */
import { tokenizerFromJson } from './load.ts'
import { defaultNumSentinels, EOS_TOKEN, METASPACE, PAD_TOKEN, sentinelToken, t5TokenizerJson, UNK_TOKEN } from './t5-conventions.ts'
import type { TextTokenizer } from './text-tokenizer.ts'
import { trainUnigram } from './train-unigram.ts'
import { countWords } from './word-counts.ts'

export interface TrainTokenizerOptions {
  /** Total size: 3 specials + learned pieces + sentinels. */
  vocabSize: number
  /** Sentinels for span corruption; default min(100, vocabSize / 20) (t5-conventions.ts). */
  numSentinels?: number
  /** Give every printable ASCII character a piece (default true), so English text never hits <unk>. */
  includeAscii?: boolean
  /** Share of character occurrences that must have a piece; the rarest rest become <unk> (SentencePiece: 0.9995). */
  characterCoverage?: number
}

const OPTION_KEYS = new Set(['vocabSize', 'numSentinels', 'includeAscii', 'characterCoverage'])
const PRINTABLE_ASCII = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
const NUM_SPECIALS = 3

export function trainTokenizer(texts: Iterable<string>, opts: TrainTokenizerOptions): TextTokenizer {
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.has(key)) throw new Error(`trainTokenizer: unknown option "${key}" (expected one of ${[...OPTION_KEYS].join(', ')})`)
  }
  const { vocabSize } = opts
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`trainTokenizer: vocabSize must be a positive integer, found ${vocabSize}`)
  const numSentinels = opts.numSentinels ?? defaultNumSentinels(vocabSize)
  if (!Number.isInteger(numSentinels) || numSentinels < 0) throw new Error(`trainTokenizer: numSentinels must be a non-negative integer, found ${numSentinels}`)
  const learned = vocabSize - NUM_SPECIALS - numSentinels
  if (learned < 1) throw new Error(`trainTokenizer: vocabSize ${vocabSize} leaves no room for learned pieces after ${NUM_SPECIALS} specials and ${numSentinels} sentinels`)

  const coverage = opts.characterCoverage ?? 0.9995
  if (!(coverage > 0 && coverage <= 1)) throw new Error(`trainTokenizer: characterCoverage must be in (0, 1], found ${coverage}`)
  const { words, alphabet } = countWords(texts)
  if (words.length === 0) throw new Error('trainTokenizer: the texts contain no words to learn from')
  const reservedPieces = new Set([PAD_TOKEN, EOS_TOKEN, UNK_TOKEN])
  for (let i = 0; i < numSentinels; i++) reservedPieces.add(sentinelToken(i))
  const pieces = trainUnigram(words, alphabet, {
    vocabSize: learned,
    characterCoverage: coverage,
    requiredChars: (opts.includeAscii ?? true) ? [METASPACE, ...PRINTABLE_ASCII] : [METASPACE],
    reservedPieces,
  })
  return tokenizerFromJson(t5TokenizerJson(pieces, numSentinels), 'trained tokenizer')
}
