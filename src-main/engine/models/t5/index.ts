/** The T5 engine's public face. */
export { T5Model, type ForwardOptions, type T5Batch, type T5ForwardResult, type ExtraMemory, type PreparedTask, type PreparedAdapterMode, type TaskConditioningInput } from './model.ts'
export { t5ConfigFromHf, t5ConfigToHf, validateT5Config, innerDim, type T5Config, type FeedForwardProj } from './config.ts'
export { labelCrossEntropy, IGNORE_INDEX } from './loss.ts'
export { t5Preset, presetParameterCount, T5_PRESETS, DEFAULT_PRESET_VOCAB, type T5PresetName } from './presets.ts'
export { countT5Parameters, t5WeightShapes, isLinearKey, linearModulePaths } from './weights.ts'
export { relativePositionBucket } from './relative-position.ts'
export { repeatRows, type CachedMemory } from './memory.ts'
