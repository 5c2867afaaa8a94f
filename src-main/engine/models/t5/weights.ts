/**
 * T5 weight names (Hugging Face keys) and shapes, and the internal layout.
 *
 * Hugging Face `nn.Linear` weights are (out, in). The engine stores every linear weight as (in, out) so
 * that `linear(x, w)` is a plain 2-D x·W on the fast path; conversion happens at load and save only.
 * Embeddings (`shared.weight`), `relative_attention_bias.weight` and norms keep the Hugging Face layout.
 */
import { innerDim, type T5Config } from './config.ts'

export const LINEAR_KEY = /\.(q|k|v|o|wi|wi_0|wi_1|wo)\.weight$|^lm_head\.weight$/

/** True for the keys whose internal layout is the transpose of the Hugging Face one. */
export function isLinearKey(key: string): boolean {
  return LINEAR_KEY.test(key)
}

export type Stack = 'encoder' | 'decoder'

export function attentionPrefix(stack: Stack, layer: number, cross: boolean): string {
  return cross ? `decoder.block.${layer}.layer.1.EncDecAttention` : `${stack}.block.${layer}.layer.0.SelfAttention`
}

export function ffnPrefix(stack: Stack, layer: number): string {
  return `${stack}.block.${layer}.layer.${stack === 'encoder' ? 1 : 2}.DenseReluDense`
}

export function ffnProjections(c: T5Config): string[] {
  return c.feedForwardProj === 'relu' ? ['wi', 'wo'] : ['wi_0', 'wi_1', 'wo']
}

/** Every weight of the model with its Hugging Face shape, in a fixed order. */
export function t5WeightShapes(c: T5Config): Map<string, number[]> {
  const d = c.dModel
  const inner = innerDim(c)
  const shapes = new Map<string, number[]>()
  shapes.set('shared.weight', [c.vocabSize, d])
  const attention = (prefix: string, relative: boolean) => {
    shapes.set(`${prefix}.q.weight`, [inner, d])
    shapes.set(`${prefix}.k.weight`, [inner, d])
    shapes.set(`${prefix}.v.weight`, [inner, d])
    shapes.set(`${prefix}.o.weight`, [d, inner])
    if (relative) shapes.set(`${prefix}.relative_attention_bias.weight`, [c.relativeAttentionNumBuckets, c.numHeads])
  }
  const ffn = (prefix: string) => {
    if (c.feedForwardProj === 'relu') shapes.set(`${prefix}.wi.weight`, [c.dFf, d])
    else {
      shapes.set(`${prefix}.wi_0.weight`, [c.dFf, d])
      shapes.set(`${prefix}.wi_1.weight`, [c.dFf, d])
    }
    shapes.set(`${prefix}.wo.weight`, [d, c.dFf])
  }
  for (let l = 0; l < c.numLayers; l++) {
    attention(attentionPrefix('encoder', l, false), l === 0)
    shapes.set(`encoder.block.${l}.layer.0.layer_norm.weight`, [d])
    ffn(ffnPrefix('encoder', l))
    shapes.set(`encoder.block.${l}.layer.1.layer_norm.weight`, [d])
  }
  shapes.set('encoder.final_layer_norm.weight', [d])
  for (let l = 0; l < c.numDecoderLayers; l++) {
    attention(attentionPrefix('decoder', l, false), l === 0)
    shapes.set(`decoder.block.${l}.layer.0.layer_norm.weight`, [d])
    attention(attentionPrefix('decoder', l, true), false)
    shapes.set(`decoder.block.${l}.layer.1.layer_norm.weight`, [d])
    ffn(ffnPrefix('decoder', l))
    shapes.set(`decoder.block.${l}.layer.2.layer_norm.weight`, [d])
  }
  shapes.set('decoder.final_layer_norm.weight', [d])
  if (!c.tieWordEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, d])
  return shapes
}

/** Internal shape of a weight given its Hugging Face shape. */
export function internalShape(key: string, hfShape: number[]): number[] {
  return isLinearKey(key) ? [hfShape[1], hfShape[0]] : hfShape
}

/** Keys that Hugging Face checkpoints may carry and the model does not use (tied copies, unused bias). */
export function isIgnorableKey(key: string): boolean {
  return (
    key === 'encoder.embed_tokens.weight' ||
    key === 'decoder.embed_tokens.weight' ||
    key === 'lm_head.weight' || // only reaches here for tied models, where it is a copy of shared.weight
    /^decoder\.block\.\d+\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight$/.test(key)
  )
}

/** Number of parameters a config implies. */
export function countT5Parameters(c: T5Config): number {
  let total = 0
  for (const shape of t5WeightShapes(c).values()) total += shape.reduce((a, b) => a * b, 1)
  return total
}

/** Every linear module of the model as a PEFT path (e.g. `decoder.block.1.layer.1.EncDecAttention.v`). */
export function linearModulePaths(c: T5Config): string[] {
  return [...t5WeightShapes(c).keys()].filter((k) => isLinearKey(k) && k !== 'lm_head.weight').map((k) => k.slice(0, -'.weight'.length))
}
