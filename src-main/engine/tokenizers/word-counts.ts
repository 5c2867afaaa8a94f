/**
 * Training-side pre-tokenization: the same normalizer and pre-tokenizer chain that the saved tokenizer.json
 * declares (t5-conventions.ts: NFKC, WhitespaceSplit, Metaspace '▁' prepended to every word), so that the
 * trainer sees exactly the words the loaded tokenizer will later segment.
 *
 * SentencePiece trains on sentences with split_by_whitespace=true, which makes every piece lie inside one
 * word; counting distinct words once with their frequency (as HF's Unigram trainer does) is equivalent and
 * turns megabytes of text into a few tens of thousands of lattices.
 */
import { METASPACE } from './t5-conventions.ts'

/** A word as code points, as the Unigram lattice indexes it (one position per code point, like HF). */
export interface CountedWord {
  readonly chars: number[]
  readonly count: number
}

/** The words of one text after NFKC + WhitespaceSplit + Metaspace, in order. */
export function preTokenize(text: string): string[] {
  const words = text.normalize('NFKC').match(/\S+/g) ?? []
  return words.map((word) => (word.startsWith(METASPACE) ? word : METASPACE + word))
}

/**
 * Distinct words with counts, in first-seen order (deterministic for a given input order). A word is
 * mapped to code-point ids through `alphabet`, which grows as new characters appear.
 */
export function countWords(texts: Iterable<string>): { words: CountedWord[]; alphabet: string[] } {
  const counts = new Map<string, number>()
  for (const text of texts) {
    if (typeof text !== 'string') throw new Error(`trainTokenizer: texts must be strings, found ${typeof text}`)
    for (const word of preTokenize(text)) counts.set(word, (counts.get(word) ?? 0) + 1)
  }
  const alphabet: string[] = []
  const charIds = new Map<string, number>()
  const words: CountedWord[] = []
  for (const [word, count] of counts) {
    const chars: number[] = []
    for (const ch of word) {
      let id = charIds.get(ch)
      if (id === undefined) {
        id = alphabet.length
        charIds.set(ch, id)
        alphabet.push(ch)
      }
      chars.push(id)
    }
    words.push({ chars, count })
  }
  return { words, alphabet }
}
