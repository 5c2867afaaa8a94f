/**
 * The job kinds the engine host registers. To add one: write `kinds/<name>.ts` exporting a
 * `defineJobKind(...)` and add it to this list (training stages, dataset import, evaluation, …).
 */
import type { JobKind } from '../job-kind.ts'
import { matmulBenchmark } from './matmul-benchmark.ts'
import { datasetImport } from './dataset-import.ts'
import { STAGE_JOB_KINDS } from '../../stages/index.ts'

export const BUILTIN_JOB_KINDS: readonly JobKind[] = [matmulBenchmark, datasetImport, ...STAGE_JOB_KINDS]
