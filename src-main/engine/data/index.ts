/**
 * The data layer's public API: SNI task loading, datasets in the workspace, exact SNI prompts, pretraining
 * examples, the seeded PRNG and the built-in instruction suite. The pipeline and the studio import from here.
 */
import { fileURLToPath } from 'node:url'

export { Rng, hashString } from './random.ts'
export { type SniTask, type SniInstance, type SniExample, TaskFileError, parseTaskText, taskFromJson, taskToJson } from './sni/task.ts'
export { discoverTaskSource, type Split, type SourceLayout, type TaskSource, type TaskFileRef } from './sni/layout.ts'
export {
  loadDataset,
  tasksOf,
  tasksByPrimaryCategory,
  DEFAULT_LOAD_OPTIONS,
  type LoadOptions,
  type ProgressCallback,
  type SniDataset,
  type DatasetSplits,
  type SkippedFile,
  type TaskIssue,
} from './sni/loader.ts'
export { loadJsonlDataset, datasetToJsonl } from './jsonl.ts'
export {
  importDataset,
  listDatasets,
  openDataset,
  readDatasetRecord,
  exportDatasetJsonl,
  type DatasetRecord,
  type ImportOptions,
} from './datasets.ts'
export {
  PROMPT_SETTINGS,
  promptConfig,
  promptParts,
  buildTeacherPrompt,
  tokenCounter,
  buildInstruction,
  buildStudentInput,
  taskInputText,
  sampleTrainingLabel,
  evaluationReferences,
  pyStrip,
  type PromptConfig,
  type PromptSettingName,
  type PromptParts,
  type StudentInputMode,
  type TokenCounter,
} from './prompts.ts'
export {
  corpusFromTasks,
  datasetCorpus,
  splitAbc,
  spanCorrupt,
  randomSpansNoiseMask,
  prefixLm,
  ABC_MIN_TOKENS,
  DEFAULT_ABC,
  DEFAULT_SPAN_CORRUPTION,
  type AbcConfig,
  type AbcExample,
  type SpanCorruptionConfig,
  type Seq2SeqIds,
} from './pretraining.ts'
export { generateSuite, writeSuite, DEFAULT_SUITE_CONFIG, SUITE_DEFAULT_SEED, type SuiteConfig } from './suite/generate.ts'
export { SUITE_TASKS, type SuiteTaskSpec } from './suite/tasks.ts'
export { WORD_GROUPS } from './suite/words.ts'

/** The committed instruction suite (resources/instruction-suite), loadable with loadDataset(). */
export const INSTRUCTION_SUITE_DIR = fileURLToPath(new URL('../../../resources/instruction-suite', import.meta.url))
