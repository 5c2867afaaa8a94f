/** The TAGI stages (a-f) and the pipeline, each a job kind the studio and the CLI run alike. */
import type { JobKind } from '../jobs/job-kind.ts'
import { backboneJob } from './backbone.ts'
import { evaluateJob } from './evaluate.ts'
import { hyperFinetuneJob } from './hyper-finetune.ts'
import { hyperPretrainJob } from './hyper-pretrain.ts'
import { metatrainJob } from './metatrain.ts'
import { pipelineJob } from './pipeline.ts'
import { teacherJob } from './teacher.ts'

export const STAGE_JOB_KINDS: readonly JobKind[] = [backboneJob, metatrainJob, teacherJob, hyperPretrainJob, hyperFinetuneJob, evaluateJob, pipelineJob] as JobKind[]

export { BackboneParams, runBackboneStage, type StageResult } from './backbone.ts'
export { MetatrainParams, runMetatrainStage, PromptSchema } from './metatrain.ts'
export { TeacherParams, runTeacherStage, ADAPTER_DIR } from './teacher.ts'
export { HyperPretrainParams, runHyperPretrainStage, HYPER_DIR } from './hyper-pretrain.ts'
export { HyperFinetuneParams, runHyperFinetuneStage, LossSchema } from './hyper-finetune.ts'
export { EvaluateParams, runEvaluateStage } from './evaluate.ts'
export { pipelineJob, PipelineParams, runPipeline, ABLATIONS, RESULTS_FILE, type Ablation, type PipelineResult, type PipelineResults } from './pipeline.ts'
export { comparisonRows, formatComparison, type MethodScore, type ComparisonRow } from './comparison.ts'
export { pipelinePlan, PIPELINE_PRESETS, type PipelinePreset, type PipelinePlan } from './presets.ts'
export { loadHyperRun, type HyperRun } from './hyper-run.ts'
export { instructionText } from './examples.ts'
export { MODEL_DIR, SUITE_DATASET, resolveDataset } from './common.ts'
