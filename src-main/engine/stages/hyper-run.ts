/**
 * Open a finished hypernetwork run for inference: the hypernetwork, the backbone it adapts (the run's own
 * copy when finetuning also trained embeddings and norms), the tokenizer, and the prompt settings the
 * hypernetwork was trained with (its instruction text must be built the same way at inference).
 */
import { existsSync } from 'node:fs'
import type { StudentInputMode } from '../data/prompts.ts'
import { HyperNetwork } from '../models/hyper/index.ts'
import { T5Model } from '../models/t5/index.ts'
import type { Run } from '../store/run-store.ts'
import type { Workspace } from '../store/workspace.ts'
import { loadTokenizer, type TextTokenizer } from '../tokenizers/index.ts'
import { loadRunModel, MODEL_DIR } from './common.ts'
import type { PromptOptions } from './examples.ts'
import { HYPER_DIR } from './hyper-pretrain.ts'

export interface HyperRun {
  run: Run
  hyper: HyperNetwork
  model: T5Model
  tokenizer: TextTokenizer
  prompt: PromptOptions
  /** What the student's encoder read in training; inference must feed it the same (pretraining: the input). */
  studentInput: StudentInputMode
  /** The backbone run id. */
  backbone: string
  dispose(): void
}

export async function loadHyperRun(workspace: Workspace, runId: string): Promise<HyperRun> {
  const run = workspace.runs.open(runId)
  if (run.record.stage !== 'hyper-finetune' && run.record.stage !== 'hyper-pretrain') {
    throw new Error(`run ${runId} is a '${run.record.stage}' run, not a hypernetwork run (hyper-finetune or hyper-pretrain)`)
  }
  if (run.record.status !== 'completed') throw new Error(`hypernetwork run ${runId} has status '${run.record.status}'; it must be completed`)
  const backbone = String(run.record.parents.backbone)
  const own = run.path(MODEL_DIR)
  const { model, tokenizer } = existsSync(own)
    ? { model: await T5Model.load(own), tokenizer: await loadTokenizer(own) }
    : await loadRunModel(workspace, backbone, ['backbone'])
  const hyper = HyperNetwork.load(run.path(HYPER_DIR), model.config)
  // Pretraining has no prompt settings; its instruction is plain text, so the defaults only bound its length.
  const prompt = (run.record.config.prompt as PromptOptions | undefined) ?? { setting: 'def+2pos', maxSourceTokens: 160, maxTargetTokens: 32 }
  const studentInput = (run.record.config.studentInput as StudentInputMode | undefined) ?? 'input'
  return {
    run,
    hyper,
    model,
    tokenizer,
    prompt,
    studentInput,
    backbone,
    dispose: () => {
      hyper.dispose()
      model.dispose()
    },
  }
}
