/**
 * A trained hypernetwork for the Playground and Adapters tests: the whole TAGI pipeline (backbone →
 * meta-train → teacher LoRAs → hypernetwork pretraining → finetuning → evaluation) run in-process on the
 * SNI sample (../shared/data/sni/sample) with the tiny preset and scaled-down step counts, into a workspace
 * the test then hands to the studio or the engine host. Needs `initBackend()` first.
 */
import { resolve } from 'node:path'
import { PipelineParams, runPipeline, type PipelineResult } from '../../../src-main/engine/stages/index.ts'
import type { JobContext } from '../../../src-main/engine/jobs/index.ts'
import { REPO_ROOT } from './studio-process.ts'

export const SNI_SAMPLE_DIR = resolve(REPO_ROOT, '../shared/data/sni/sample')

export interface TinyPipelineOptions {
  /** Fraction of the tiny preset's steps; 0.05 trains every stage ~15 steps (≈ 30 s on 2 cores). */
  stepScale?: number
}

export async function runTinyPipeline(workspaceDir: string, options: TinyPipelineOptions = {}): Promise<PipelineResult> {
  const ctx: JobContext = {
    jobId: 'test-pipeline',
    signal: new AbortController().signal,
    workspaceDir,
    progress: () => {},
    log: () => {},
    yieldAndCheck: async () => {},
  }
  // One instance per task in the evaluation stage: its scores are not what these tests look at.
  const params = PipelineParams.parse({ preset: 'tiny', dataset: SNI_SAMPLE_DIR, stepScale: options.stepScale ?? 0.05, evalInstances: 1, name: 'tiny test pipeline' })
  return runPipeline(params, ctx)
}
