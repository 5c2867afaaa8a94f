/**
 * T5's tokenizer conventions, and the tokenizer.json that a trained vocabulary is saved as.
 *
 * Follows Raffel et al. 2020 (T5, §3.1.3 and §3.2.2: span corruption replaces each dropped span by a
 * sentinel) and the layout of Hugging Face's t5-small tokenizer.json: model Unigram with unk_id 2 whose
 * vocab starts `<pad>` 0, `</s>` 1, `<unk>` 2 and ends with the sentinels `<extra_id_99>` … `<extra_id_0>`
 * (extra_id_0 has the highest id), pre-tokenizer WhitespaceSplit then Metaspace('▁'), a TemplateProcessing
 * post-processor that appends `</s>`, a Metaspace decoder, and every special token listed in added_tokens.
 * The pad id 0 is also T5's decoder start id.
 *
 * One departure: t5-small's normalizer is `Precompiled` with SentencePiece's nmt_nfkc charsmap, a binary blob
 * we cannot produce offline; a trained tokenizer uses the standard `NFKC` normalizer instead (the same on
 * ASCII; WhitespaceSplit already does nmt's whitespace collapsing).
 */

export const PAD_TOKEN = '<pad>'
export const EOS_TOKEN = '</s>'
export const UNK_TOKEN = '<unk>'
export const PAD_ID = 0
export const EOS_ID = 1
export const UNK_ID = 2
/** SentencePiece's whitespace marker; Metaspace writes it before every word. */
export const METASPACE = '\u2581'

/** T5 gives 100 sentinels to a 32k vocabulary. */
export const T5_NUM_SENTINELS = 100

export function sentinelToken(i: number): string {
  return `<extra_id_${i}>`
}

/**
 * Sentinels for a vocabulary of `vocabSize`: T5's 100, but at most 5% of the vocabulary so that a tiny
 * from-scratch vocab (500 tokens) still keeps most of its slots for text; 5% of 500 is 25 sentinels, more
 * than span corruption of a 256-token sequence needs (15% noise / mean span 3 ≈ 13 spans).
 */
export function defaultNumSentinels(vocabSize: number): number {
  return Math.min(T5_NUM_SENTINELS, Math.floor(vocabSize / 20))
}

function addedToken(id: number, content: string): object {
  // Exactly the flags t5-small's tokenizer.json gives its special tokens.
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }
}

/** The three fixed specials, then learned pieces, then sentinels (highest id = extra_id_0). */
export function t5UnigramVocab(pieces: ReadonlyArray<readonly [string, number]>, numSentinels: number): [string, number][] {
  const vocab: [string, number][] = [[PAD_TOKEN, 0], [EOS_TOKEN, 0], [UNK_TOKEN, 0]]
  for (const [piece, score] of pieces) vocab.push([piece, score])
  for (let i = numSentinels - 1; i >= 0; i--) vocab.push([sentinelToken(i), 0])
  return vocab
}

/** The complete tokenizer.json object (HF `tokenizers` schema, version 1.0) for a T5-style Unigram vocab. */
export function t5TokenizerJson(pieces: ReadonlyArray<readonly [string, number]>, numSentinels: number): object {
  const vocab = t5UnigramVocab(pieces, numSentinels)
  const added = [addedToken(PAD_ID, PAD_TOKEN), addedToken(EOS_ID, EOS_TOKEN), addedToken(UNK_ID, UNK_TOKEN)]
  for (let i = numSentinels - 1; i >= 0; i--) added.push(addedToken(vocab.length - 1 - i, sentinelToken(i)))
  const metaspace = { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'always', split: true }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'NFKC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: EOS_TOKEN, type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: EOS_TOKEN, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: EOS_TOKEN, type_id: 0 } },
      ],
      special_tokens: { [EOS_TOKEN]: { id: EOS_TOKEN, ids: [EOS_ID], tokens: [EOS_TOKEN] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: UNK_ID, vocab, byte_fallback: false },
  }
}
