/**
 * Presets for training from scratch on the CPU. dKv × numHeads = dModel in both (the hypernetwork's
 * parameter alignment needs it). The vocabulary size comes from the tokenizer the user trains.
 */
import type { T5Config } from './config.ts'
import { countT5Parameters } from './weights.ts'

export const T5_PRESETS = ['tiny', 'small'] as const
export type T5PresetName = (typeof T5_PRESETS)[number]

const COMMON = {
  feedForwardProj: 'gated-gelu',
  tieWordEmbeddings: false, // LM-adapt style, like the paper's backbones
  layerNormEpsilon: 1e-6,
  padTokenId: 0,
  eosTokenId: 1,
  decoderStartTokenId: 0,
  dropoutRate: 0.1,
} as const

/** tagi-method.md §10.2: the whole TAGI pipeline in minutes on a 2-core CPU. */
const TINY: Omit<T5Config, 'vocabSize'> = {
  ...COMMON,
  dModel: 64,
  dKv: 16,
  numHeads: 4,
  dFf: 128,
  numLayers: 2,
  numDecoderLayers: 2,
  relativeAttentionNumBuckets: 32,
  relativeAttentionMaxDistance: 64,
}

/** A few million parameters: hours on the CPU. */
const SMALL: Omit<T5Config, 'vocabSize'> = {
  ...COMMON,
  dModel: 256,
  dKv: 64,
  numHeads: 4,
  dFf: 512,
  numLayers: 3,
  numDecoderLayers: 3,
  relativeAttentionNumBuckets: 32,
  relativeAttentionMaxDistance: 128,
}

export const DEFAULT_PRESET_VOCAB: Record<T5PresetName, number> = { tiny: 2000, small: 4096 }

export function t5Preset(name: T5PresetName, vocabSize = DEFAULT_PRESET_VOCAB[name]): T5Config {
  const base = name === 'tiny' ? TINY : name === 'small' ? SMALL : null
  if (!base) throw new Error(`unknown T5 preset '${String(name)}' (known: ${T5_PRESETS.join(', ')})`)
  return { ...base, vocabSize }
}

export function presetParameterCount(name: T5PresetName, vocabSize?: number): number {
  return countT5Parameters(t5Preset(name, vocabSize))
}
