/**
 * Tokenizers: load a Hugging Face tokenizer.json (Unigram as T5 uses it, or BPE), or train a T5-style
 * Unigram tokenizer of an exact vocabulary size. Everything the engine needs goes through TextTokenizer.
 */
export type { TextTokenizer, EncodeOptions, DecodeOptions } from './text-tokenizer.ts'
export { loadTokenizer, tokenizerFromJson, SUPPORTED_MODELS } from './load.ts'
export { trainTokenizer, type TrainTokenizerOptions } from './train-tokenizer.ts'
export {
  PAD_ID,
  EOS_ID,
  UNK_ID,
  PAD_TOKEN,
  EOS_TOKEN,
  UNK_TOKEN,
  sentinelToken,
  defaultNumSentinels,
  t5TokenizerJson,
} from './t5-conventions.ts'
