/** The TAGI hypernetwork: instruction pooling, adapter generators, per-example LoRAs and fusion memory. */
export { FUSION_MODES, HyperConfigSchema, resolveHyperConfig, type FusionMode, type HyperConfig } from './config.ts'
export { poolFirstLast, taskCode } from './pooler.ts'
export { StackGenerator, PROJECTIONS, type StackName, type StackShape } from './generator.ts'
export {
  HyperNetwork,
  adaptersForBatch,
  fusionMemory,
  hyperTargetOf,
  HYPER_CONFIG_FILE,
  HYPER_WEIGHTS_FILE,
  type GeneratedModule,
  type HyperTarget,
  type InstructionEncoding,
} from './hypernetwork.ts'
export { encodeInstructions, encodeInstructionIds, disposeEncoding } from './instruction-encoder.ts'
export { hyperAdapterSource, generateTaskConditioning, type HyperSourceOptions } from './adapter-source.ts'
