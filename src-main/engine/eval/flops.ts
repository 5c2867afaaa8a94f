/**
 * Estimated FLOPs of T5 inference from model shapes and token counts, the way Kaplan et al. (2020, "Scaling
 * Laws", Table 1) count a transformer's forward pass: 2 FLOPs per multiply-accumulate, i.e. 2 × (weights in
 * matMuls) per token, plus the attention score and weighted-sum products (2 × 2 × context × inner per token).
 * Used to report the cost of each evaluation setting per task (tagi-method.md §7.3 compares TAGI's cost with
 * reading the full prompt). Norms, softmax, biases and LoRA's low-rank products (r·(d_in + d_out) per module,
 * a few percent at most) are left out; the counts are of real (non-pad) tokens, not of padded batch slots.
 */
import type { T5Config } from '../models/t5/index.ts'

/** The shapes that decide the cost; `flopShapeFromT5Config` fills it from a T5 config. */
export interface FlopShape {
  dModel: number
  /** numHeads × dKv: the width of q, k, v and the attention output. */
  innerDim: number
  dFf: number
  /** Gated FFN (T5 v1.1 'gated-gelu') has two input matrices, the original 'relu' one. */
  gatedFfn: boolean
  encoderLayers: number
  decoderLayers: number
  vocabSize: number
}

/** One sequence's work: encoder tokens in, decoder tokens generated or teacher-forced. */
export interface SequenceTokens {
  encoderTokens: number
  decoderTokens: number
  /** Extra cross-attention memory positions (e.g. fused instruction states) beside the encoder's. */
  extraMemoryTokens?: number
  /** Instruction positions every encoder fusion block attends to (paper Eq. 1); 0 or absent without blocks. */
  encoderFusionTokens?: number
}

export function flopShapeFromT5Config(config: T5Config): FlopShape {
  return {
    dModel: config.dModel,
    innerDim: config.numHeads * config.dKv,
    dFf: config.dFf,
    gatedFfn: config.feedForwardProj === 'gated-gelu',
    encoderLayers: config.numLayers,
    decoderLayers: config.numDecoderLayers,
    vocabSize: config.vocabSize,
  }
}

function ffnFlopsPerToken(shape: FlopShape): number {
  return 2 * (shape.gatedFfn ? 3 : 2) * shape.dModel * shape.dFf
}

/**
 * Encoder forward over one sequence of `tokens` real tokens; with `fusionTokens` > 0, each layer's fusion block
 * adds q and o per token and attention over that many instruction positions (their k, v: `encoderFusionMemoryFlops`).
 */
export function encoderFlops(shape: FlopShape, tokens: number, fusionTokens = 0): number {
  const projections = 2 * 4 * shape.dModel * shape.innerDim // q, k, v, o
  // Scores q·kᵀ and the weighted sum over the `tokens` keys: 2 products, 2 FLOPs each.
  const attention = 2 * 2 * tokens * shape.innerDim
  const fusion = fusionTokens > 0 ? 2 * 2 * shape.dModel * shape.innerDim + 2 * 2 * fusionTokens * shape.innerDim : 0
  return shape.encoderLayers * tokens * (projections + attention + fusion + ffnFlopsPerToken(shape))
}

/** The encoder fusion blocks' k and v of `tokens` instruction positions, computed once per task. */
export function encoderFusionMemoryFlops(shape: FlopShape, tokens: number): number {
  return shape.encoderLayers * tokens * 2 * 2 * shape.dModel * shape.innerDim
}

/**
 * Decoder producing `tokens` positions one after another (position t attends to t positions of itself) over
 * a cross-attention memory of `memory` positions, plus the LM head per position.
 */
export function decoderFlops(shape: FlopShape, tokens: number, memory: number): number {
  const d = shape.dModel
  const inner = shape.innerDim
  // Self-attention positions summed over steps: 1 + 2 + … + tokens.
  const selfContext = (tokens * (tokens + 1)) / 2
  const selfAttention = tokens * 2 * 4 * d * inner + 2 * 2 * selfContext * inner
  // Cross-attention: q and o per decoder token; k and v once per memory position (cached across steps).
  const crossAttention = tokens * 2 * 2 * d * inner + memory * 2 * 2 * d * inner + 2 * 2 * tokens * memory * inner
  const ffn = tokens * ffnFlopsPerToken(shape)
  const lmHead = 2 * d * shape.vocabSize * tokens
  return shape.decoderLayers * (selfAttention + crossAttention + ffn) + lmHead
}

/** Total over sequences: each sequence is encoded once and decoded over its encoder (+ extra) memory. */
export function sequenceFlops(shape: FlopShape, sequences: readonly SequenceTokens[]): number {
  let total = 0
  for (const s of sequences) {
    total += encoderFlops(shape, s.encoderTokens, s.encoderFusionTokens ?? 0)
    total += decoderFlops(shape, s.decoderTokens, s.encoderTokens + (s.extraMemoryTokens ?? 0))
  }
  return total
}
