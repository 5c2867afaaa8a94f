/** LoRA: static (PEFT) and per-example adapters for the T5 engine. */
import type { T5Config } from '../t5/config.ts'
import { loraModuleIds as moduleIds, type LoraTarget } from './modules.ts'
import type { LoraModuleId } from './types.ts'

export type { LoraModuleId, LoraSet, PerExampleLora, StaticLora } from './types.ts'
export { loraModules, moduleDims, LORA_STACKS, type LoraModuleInfo, type LoraStack, type LoraTarget, type AttentionTarget, type FfnTarget } from './modules.ts'
export { PeftAdapter, type PeftAdapterConfig } from './peft.ts'
export { mergedWeights, toStaticLora, SHARED_ADAPTER_MODES, type SharedAdapterMode } from './merge.ts'
export { loraLinear, checkLoraShapes, setPerExampleMode, getPerExampleMode, type PerExampleMode } from './apply.ts'

/** PEFT module paths for a config and targets (default q, v), in a fixed order (see `loraModules`). */
export function loraModuleIds(config: T5Config, targets?: LoraTarget[]): LoraModuleId[] {
  return moduleIds(config, targets)
}
