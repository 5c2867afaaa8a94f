/** LoRA target modules as PEFT paths, in a fixed order. */
import type { T5Config } from '../t5/config.ts'
import { attentionPrefix, ffnPrefix } from '../t5/weights.ts'
import type { LoraModuleId } from './types.ts'

export type AttentionTarget = 'q' | 'k' | 'v' | 'o'
export type FfnTarget = 'wi' | 'wi_0' | 'wi_1' | 'wo'
export type LoraTarget = AttentionTarget | FfnTarget

const ATTENTION: readonly string[] = ['q', 'k', 'v', 'o']
const FFN: readonly string[] = ['wi', 'wi_0', 'wi_1', 'wo']

/** The three attention stacks LoRA is applied to, in order. */
export const LORA_STACKS = ['encoder-self', 'decoder-self', 'decoder-cross'] as const
export type LoraStack = (typeof LORA_STACKS)[number]

export interface LoraModuleInfo {
  id: LoraModuleId
  stack: LoraStack | 'encoder-ffn' | 'decoder-ffn'
  layer: number
  target: LoraTarget
}

/**
 * Modules for `targets` (default q and v), ordered stack by stack (encoder self-attention, decoder
 * self-attention, decoder cross-attention, then encoder FFN, decoder FFN), then layer, then target in
 * the order given.
 */
export function loraModules(config: T5Config, targets: LoraTarget[] = ['q', 'v']): LoraModuleInfo[] {
  for (const t of targets) {
    if (!ATTENTION.includes(t) && !FFN.includes(t)) throw new Error(`LoRA: unknown target module '${t}' (known: ${[...ATTENTION, ...FFN].join(', ')})`)
    if (FFN.includes(t) && !(config.feedForwardProj === 'relu' ? ['wi', 'wo'] : ['wi_0', 'wi_1', 'wo']).includes(t)) {
      throw new Error(`LoRA: target '${t}' does not exist in a '${config.feedForwardProj}' feed-forward`)
    }
  }
  const attention = targets.filter((t) => ATTENTION.includes(t))
  const ffn = targets.filter((t) => FFN.includes(t))
  const out: LoraModuleInfo[] = []
  const stacks: [LoraStack, 'encoder' | 'decoder', boolean, number][] = [
    ['encoder-self', 'encoder', false, config.numLayers],
    ['decoder-self', 'decoder', false, config.numDecoderLayers],
    ['decoder-cross', 'decoder', true, config.numDecoderLayers],
  ]
  for (const [stack, side, cross, layers] of stacks) {
    for (let l = 0; l < layers; l++) for (const t of attention) out.push({ id: `${attentionPrefix(side, l, cross)}.${t}`, stack, layer: l, target: t })
  }
  for (const [stack, side, layers] of [['encoder-ffn', 'encoder', config.numLayers], ['decoder-ffn', 'decoder', config.numDecoderLayers]] as const) {
    for (let l = 0; l < layers; l++) for (const t of ffn) out.push({ id: `${ffnPrefix(side, l)}.${t}`, stack, layer: l, target: t })
  }
  return out
}

export function loraModuleIds(config: T5Config, targets: LoraTarget[] = ['q', 'v']): LoraModuleId[] {
  return loraModules(config, targets).map((m) => m.id)
}

/** (in, out) of a module's weight. */
export function moduleDims(config: T5Config, id: LoraModuleId): { in: number; out: number } {
  const target = id.slice(id.lastIndexOf('.') + 1)
  const inner = config.dKv * config.numHeads
  switch (target) {
    case 'q':
    case 'k':
    case 'v':
      return { in: config.dModel, out: inner }
    case 'o':
      return { in: inner, out: config.dModel }
    case 'wi':
    case 'wi_0':
    case 'wi_1':
      return { in: config.dModel, out: config.dFf }
    case 'wo':
      return { in: config.dFf, out: config.dModel }
    default:
      throw new Error(`LoRA: '${id}' is not a linear module`)
  }
}
