/** TAGI's loss terms (paper Eq. 3-6): label CE, logit KL distillation, parameter alignment, and their sum. */
export { labelCrossEntropy } from './label-ce.ts'
export { logitKl, standardizeLogits, DEFAULT_LOGIT_KL, type LogitKlConfig } from './logit-kl.ts'
export {
  parameterAlignment,
  DEFAULT_PARAM_ALIGN,
  type AlignmentOrientation,
  type ParamAlignConfig,
  type GeneratedFactors,
  type TeacherFactors,
} from './param-align.ts'
export { combineTagiLoss, DEFAULT_TAGI_LOSS, type TagiLossConfig, type TagiLossTerms, type TagiLossResult } from './tagi-loss.ts'
