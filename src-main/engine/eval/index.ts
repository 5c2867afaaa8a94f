/** Evaluation: SNI's ROUGE-L and exact match, rank classification, and the evaluation runner. */
export { porterStem } from './porter-stemmer.ts'
export { rougeTokenize, lcsLength, rougeLFromTokens, rougeL, rougeLMaxOverReferences, type RougeLScore } from './rouge.ts'
export { normalizeAnswer, exactMatch, pythonStrip } from './exact-match.ts'
export { categoryKey, scoreInstance, averageScores, averageBy, type ScoredInstance, type GroupScore } from './scores.ts'
export {
  argmin,
  rankClassify,
  type OptionScorer,
  type RankInstance,
  type RankPrediction,
  type RankResult,
} from './rank-classification.ts'
export { t5OptionScorer, DEFAULT_T5_OPTION_SCORER_CONFIG, type T5OptionScorerConfig } from './t5-option-scorer.ts'
export {
  staticAdapterSource,
  disposeConditioning,
  conditioningForBatch,
  disposeBatchConditioning,
  checkTaskConditioning,
  type AdapterSource,
  type TaskConditioning,
} from './conditioning.ts'
export { encoderFlops, decoderFlops, sequenceFlops, flopShapeFromT5Config, type FlopShape, type SequenceTokens } from './flops.ts'
export {
  runEvaluation,
  formatReportTable,
  type EvalTask,
  type EvalInstance,
  type Predictor,
  type TaskPredictions,
  type TaskScore,
  type CategoryScore,
  type EvalReport,
  type EvalRunOptions,
} from './runner.ts'
export {
  T5Predictor,
  evalTasksFromSni,
  EVAL_INPUT_MODES,
  DEFAULT_T5_PREDICTOR_CONFIG,
  type EvalInputMode,
  type T5PredictorConfig,
} from './t5-predictor.ts'
