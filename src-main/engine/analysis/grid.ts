/**
 * Where a LoRA module sits in T5 (stack, layer, target), read from its PEFT path, and heatmap grids
 * (rows = stack × layer, columns = target) of per-module values for the studio's Adapters page.
 *
 * Module paths are Hugging Face T5's (`encoder.block.{l}.layer.0.SelfAttention.q`,
 * `decoder.block.{l}.layer.1.EncDecAttention.v`, `….DenseReluDense.wo`); the stack names are the
 * engine's (models/lora/modules.ts), so a grid row lines up with how the hypernetwork generates.
 */
import type { LoraModuleInfo, LoraTarget } from '../models/lora/modules.ts'
import type { LoraModuleId } from '../models/lora/types.ts'

export type ModuleStack = LoraModuleInfo['stack']
export type ModulePosition = Omit<LoraModuleInfo, 'id'>

/** Row order of the grid: the engine's module order (modules.ts `loraModules`). */
export const STACK_ORDER: readonly ModuleStack[] = ['encoder-self', 'decoder-self', 'decoder-cross', 'encoder-ffn', 'decoder-ffn']
/** Column order of the grid. */
export const TARGET_ORDER: readonly LoraTarget[] = ['q', 'k', 'v', 'o', 'wi', 'wi_0', 'wi_1', 'wo']

const MODULE_PATH = /^(encoder|decoder)\.block\.(\d+)\.layer\.(\d+)\.(SelfAttention|EncDecAttention|DenseReluDense)\.(\w+)$/

/** Stack, layer and target of a PEFT module path; a clear error for anything that is not a T5 LoRA module. */
export function modulePosition(id: LoraModuleId): ModulePosition {
  const m = MODULE_PATH.exec(id)
  const target = m?.[5] as LoraTarget | undefined
  if (!m || !target || !TARGET_ORDER.includes(target)) {
    throw new Error(`module '${id}' is not a T5 LoRA module path (expected e.g. 'encoder.block.0.layer.0.SelfAttention.q' or 'decoder.block.1.layer.1.EncDecAttention.v')`)
  }
  const [, side, layer, , block] = m
  const ffn = block === 'DenseReluDense'
  if (ffn !== ['wi', 'wi_0', 'wi_1', 'wo'].includes(target) || (block === 'EncDecAttention' && side === 'encoder')) {
    throw new Error(`module '${id}': '${target}' does not belong in ${side} ${block}`)
  }
  const stack: ModuleStack = ffn ? `${side as 'encoder' | 'decoder'}-ffn` : block === 'EncDecAttention' ? 'decoder-cross' : `${side as 'encoder' | 'decoder'}-self`
  return { stack, layer: Number(layer), target }
}

/** Sort key: the engine's module order (stack, then layer, then target). */
export function compareModulePositions(a: ModulePosition, b: ModulePosition): number {
  return STACK_ORDER.indexOf(a.stack) - STACK_ORDER.indexOf(b.stack) || a.layer - b.layer || TARGET_ORDER.indexOf(a.target) - TARGET_ORDER.indexOf(b.target)
}

/** A heatmap: values[metric][row][column], null where the module is absent or the value undefined. */
export interface ModuleGrid<Metric extends string> {
  rows: { stack: ModuleStack; layer: number; label: string }[]
  columns: LoraTarget[]
  /** The module path in each cell, null where the adapters have none. */
  ids: (LoraModuleId | null)[][]
  values: Record<Metric, (number | null)[][]>
}

/** Lay per-module values out as rows = stack × layer (engine order), columns = the targets present. */
export function buildGrid<Item extends ModulePosition & { id: LoraModuleId }, Metric extends string>(
  items: Item[],
  metrics: Record<Metric, (item: Item) => number | null>,
): ModuleGrid<Metric> {
  const rowKeys = [...new Map(items.map((it) => [`${it.stack} ${it.layer}`, { stack: it.stack, layer: it.layer }])).values()]
  rowKeys.sort((a, b) => STACK_ORDER.indexOf(a.stack) - STACK_ORDER.indexOf(b.stack) || a.layer - b.layer)
  const columns = TARGET_ORDER.filter((t) => items.some((it) => it.target === t))
  const rowIndex = new Map(rowKeys.map((r, i) => [`${r.stack} ${r.layer}`, i]))
  const empty = <T>(): (T | null)[][] => rowKeys.map(() => columns.map(() => null))
  const ids = empty<LoraModuleId>()
  const names = Object.keys(metrics) as Metric[]
  const values = Object.fromEntries(names.map((name) => [name, empty<number>()])) as Record<Metric, (number | null)[][]>
  for (const item of items) {
    const row = rowIndex.get(`${item.stack} ${item.layer}`)!
    const column = columns.indexOf(item.target)
    ids[row]![column] = item.id
    for (const name of names) values[name][row]![column] = metrics[name](item)
  }
  return { rows: rowKeys.map((r) => ({ ...r, label: `${r.stack} ${r.layer}` })), columns, ids, values }
}
