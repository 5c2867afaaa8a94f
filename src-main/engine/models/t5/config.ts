/**
 * The T5 configuration: a typed, camelCase view of a Hugging Face `config.json`, and back.
 */

export type FeedForwardProj = 'relu' | 'gated-gelu'

export interface T5Config {
  vocabSize: number
  dModel: number
  /** Size of one attention head; dKv × numHeads need not equal dModel. */
  dKv: number
  numHeads: number
  dFf: number
  /** Encoder layers. */
  numLayers: number
  numDecoderLayers: number
  relativeAttentionNumBuckets: number
  relativeAttentionMaxDistance: number
  layerNormEpsilon: number
  /** 'relu': v1.0 (`wi`, `wo`); 'gated-gelu': v1.1 / LM-adapt (`wi_0`, `wi_1`, `wo`, GELU tanh form). */
  feedForwardProj: FeedForwardProj
  /** v1.0: the decoder output is scaled by dModel^-0.5 and multiplied by the shared embedding. */
  tieWordEmbeddings: boolean
  padTokenId: number
  eosTokenId: number
  decoderStartTokenId: number
  dropoutRate: number
}

const FEED_FORWARD: readonly string[] = ['relu', 'gated-gelu']

type HfConfig = Record<string, unknown>

function num(json: HfConfig, key: string, fallback?: number): number {
  const value = json[key]
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new Error(`T5 config: required field '${key}' is missing`)
    return fallback
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`T5 config: field '${key}' must be a number, got ${JSON.stringify(value)}`)
  return value
}

function int(json: HfConfig, key: string, fallback?: number): number {
  const value = num(json, key, fallback)
  if (!Number.isInteger(value) || value < 0) throw new Error(`T5 config: field '${key}' must be a non-negative integer, got ${value}`)
  return value
}

export function checkFeedForwardProj(value: unknown): FeedForwardProj {
  if (typeof value !== 'string' || !FEED_FORWARD.includes(value)) {
    throw new Error(
      `T5 config: unsupported feed_forward_proj ${JSON.stringify(value)}; supported: ${FEED_FORWARD.map((f) => `'${f}'`).join(', ')}`,
    )
  }
  return value as FeedForwardProj
}

/** Read a Hugging Face T5 `config.json` object. Defaults are Hugging Face's T5Config defaults. */
export function t5ConfigFromHf(json: HfConfig): T5Config {
  if (json.model_type !== undefined && json.model_type !== 't5') {
    throw new Error(`T5 config: model_type is '${String(json.model_type)}', not 't5'`)
  }
  const dModel = int(json, 'd_model', 512)
  const numLayers = int(json, 'num_layers', 6)
  const feedForwardProj = checkFeedForwardProj(json.feed_forward_proj ?? 'relu') // HF default: 'relu' (v1.0)
  const config: T5Config = {
    vocabSize: int(json, 'vocab_size', 32128),
    dModel,
    dKv: int(json, 'd_kv', 64),
    numHeads: int(json, 'num_heads', 8),
    dFf: int(json, 'd_ff', 2048),
    numLayers,
    // HF: num_decoder_layers defaults to num_layers (symmetric).
    numDecoderLayers: int(json, 'num_decoder_layers', numLayers),
    relativeAttentionNumBuckets: int(json, 'relative_attention_num_buckets', 32),
    relativeAttentionMaxDistance: int(json, 'relative_attention_max_distance', 128),
    layerNormEpsilon: num(json, 'layer_norm_epsilon', 1e-6),
    feedForwardProj,
    // HF default: tied (v1.0); v1.1 / LM-adapt checkpoints say false explicitly.
    tieWordEmbeddings: json.tie_word_embeddings === undefined ? true : Boolean(json.tie_word_embeddings),
    padTokenId: int(json, 'pad_token_id', 0),
    eosTokenId: int(json, 'eos_token_id', 1),
    // HF T5 starts decoding with the pad token.
    decoderStartTokenId: int(json, 'decoder_start_token_id', int(json, 'pad_token_id', 0)),
    dropoutRate: num(json, 'dropout_rate', 0.1),
  }
  validateT5Config(config)
  return config
}

export function validateT5Config(c: T5Config): void {
  checkFeedForwardProj(c.feedForwardProj)
  for (const key of ['vocabSize', 'dModel', 'dKv', 'numHeads', 'dFf', 'numLayers', 'numDecoderLayers', 'relativeAttentionNumBuckets'] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) throw new Error(`T5 config: ${key} must be a positive integer, got ${c[key]}`)
  }
  if (c.dropoutRate < 0 || c.dropoutRate >= 1) throw new Error(`T5 config: dropoutRate must be in [0, 1), got ${c.dropoutRate}`)
}

/** Write a Hugging Face `config.json` object that `transformers` and `t5ConfigFromHf` both read. */
export function t5ConfigToHf(c: T5Config): HfConfig {
  return {
    model_type: 't5',
    architectures: ['T5ForConditionalGeneration'],
    is_encoder_decoder: true,
    vocab_size: c.vocabSize,
    d_model: c.dModel,
    d_kv: c.dKv,
    num_heads: c.numHeads,
    d_ff: c.dFf,
    num_layers: c.numLayers,
    num_decoder_layers: c.numDecoderLayers,
    relative_attention_num_buckets: c.relativeAttentionNumBuckets,
    relative_attention_max_distance: c.relativeAttentionMaxDistance,
    dropout_rate: c.dropoutRate,
    layer_norm_epsilon: c.layerNormEpsilon,
    initializer_factor: 1.0,
    feed_forward_proj: c.feedForwardProj,
    tie_word_embeddings: c.tieWordEmbeddings,
    pad_token_id: c.padTokenId,
    eos_token_id: c.eosTokenId,
    decoder_start_token_id: c.decoderStartTokenId,
  }
}

/** Inner width of attention (q/k/v output, o input). */
export function innerDim(c: T5Config): number {
  return c.dKv * c.numHeads
}
