/** Shared by the stage tests: the SNI sample's path, a job context that records nothing and never cancels, a tiny backbone run. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { JobContext } from '../../../src-main/engine/jobs/job-kind.ts'
import { T5Model, t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { BackboneParams, runBackboneStage } from '../../../src-main/engine/stages/index.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import { trainTokenizer } from '../../../src-main/engine/tokenizers/index.ts'

export const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')

export const ctxFor = (workspaceDir: string): JobContext => ({
  jobId: 'test',
  signal: new AbortController().signal,
  workspaceDir,
  progress: () => {},
  log: () => {},
  yieldAndCheck: async () => {},
})

/**
 * A random tiny T5 with a tokenizer trained on a few words, saved as a Hugging Face folder (`hf`) and imported
 * as the backbone run of a fresh workspace. `init` is the model as saved; the caller disposes it.
 */
export async function importedTinyBackbone(seed: number): Promise<{ hf: string; init: T5Model; workspace: Workspace; ctx: JobContext; backbone: string }> {
  const hf = mkdtempSync(join(tmpdir(), 'hf-'))
  const tokenizer = trainTokenizer(['a tiny corpus of words for a tiny tokenizer', 'more words here'], { vocabSize: 200 })
  const init = T5Model.init(t5Preset('tiny', tokenizer.vocabSize), seed)
  init.save(hf)
  tokenizer.save(hf)
  const workspaceDir = mkdtempSync(join(tmpdir(), 'ws-'))
  const ctx = ctxFor(workspaceDir)
  const backbone = await runBackboneStage(BackboneParams.parse({ dataset: SAMPLE, fromCheckpoint: hf }), ctx)
  return { hf, init, workspace: new Workspace(workspaceDir), ctx, backbone: backbone.runId }
}

/** Hypernetwork stage params for these tests: `steps` steps over two instances per sample task, a rank-2 hypernetwork. */
export function tinyHyperParams(backbone: string, hyper: Record<string, unknown> = {}, steps = 2) {
  return {
    backbone,
    dataset: SAMPLE,
    instancesPerTask: 2,
    training: { steps, batchSize: 2, learningRate: 1e-2, checkpointEvery: steps },
    hyper: { rank: 2, encodingDim: 8, positionEmbeddingDim: 4, ...hyper },
  }
}
