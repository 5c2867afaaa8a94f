/**
 * The SNI-like setting of the inference and adapter-generation benchmarks: one real SNI test task with
 * 100 instances (decisions.md §1 point 10) from the repository's sibling `shared/data/sni`, prompts in
 * the Def + 2 Pos setting with TAGI's 1024-token budget (tagi-method.md §5.1), a tokenizer trained like
 * the backbone stage's on the SNI training tasks' text, and fresh weights for the preset's backbone and
 * hypernetwork (pipeline settings for SNI, stages/presets.ts). Cost does not depend on what the weights
 * hold; what it depends on (token counts, decoding steps) is reported with the timings.
 *
 * The task: task1195_disflqa_disfluent_to_fluent_conversion, one of the four test tasks of
 * shared/data/sni/sample. Its student input is 22% of its full prompt in tokens, the median over the 88
 * test tasks that have 100 instances (the range is 6% to 79%), so it is neither a best nor a worst case.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { corpusFromTasks, loadDataset, tasksOf } from '../src-main/engine/data/index.ts'
import type { SniTask } from '../src-main/engine/data/sni/task.ts'
import { HyperNetwork } from '../src-main/engine/models/hyper/index.ts'
import { T5Model, t5Preset, type T5PresetName } from '../src-main/engine/models/t5/index.ts'
import { BackboneParams, TEMPLATE_TEXT } from '../src-main/engine/stages/backbone.ts'
import type { PromptOptions } from '../src-main/engine/stages/examples.ts'
import { HyperFinetuneParams } from '../src-main/engine/stages/hyper-finetune.ts'
import { pipelinePlan } from '../src-main/engine/stages/presets.ts'
import { trainTokenizer, type TextTokenizer } from '../src-main/engine/tokenizers/index.ts'
import { BENCH_SEED } from './stage-setup.ts'

export const SNI_DIR = resolve(import.meta.dirname, '../../shared/data/sni')
export const SNI_TASK = 'task1195_disflqa_disfluent_to_fluent_conversion'
export const SNI_INSTANCES = 100
/** Def + 2 Pos, the TAGI paper's 1024-token source budget; targets as the pipeline's SNI plan. */
export const SNI_PROMPT: PromptOptions = { setting: 'def+2pos', maxSourceTokens: 1024, maxTargetTokens: 64 }

export interface SniSetting {
  task: SniTask
  tokenizer: TextTokenizer
  model: T5Model
  hyper: HyperNetwork
  dispose(): void
}

export async function sniSetting(preset: T5PresetName): Promise<SniSetting> {
  if (!existsSync(SNI_DIR)) throw new Error(`bench: the SNI data is missing at ${SNI_DIR} (the repository's sibling shared/ folder)`)
  const dataset = await loadDataset(SNI_DIR, { instancesPerTask: SNI_INSTANCES })
  const task = tasksOf(dataset, 'test').find((t) => t.name === SNI_TASK)
  if (!task) throw new Error(`bench: test task ${SNI_TASK} is not in ${SNI_DIR}`)
  if (task.instances.length < SNI_INSTANCES) throw new Error(`bench: ${SNI_TASK} has ${task.instances.length} instances, expected ${SNI_INSTANCES}`)
  const plan = pipelinePlan(preset, false)
  const { vocabSize } = BackboneParams.parse(plan.backbone)
  const tokenizer = trainTokenizer([...corpusFromTasks(tasksOf(dataset, 'train')), TEMPLATE_TEXT], { vocabSize })
  const config = t5Preset(preset, tokenizer.vocabSize)
  const model = T5Model.init(config, BENCH_SEED)
  const hyper = HyperNetwork.create(config, HyperFinetuneParams.parse({ ...plan.hyperFinetune, backbone: 'bench' }).hyper, BENCH_SEED)
  return {
    task,
    tokenizer,
    model,
    hyper,
    dispose: () => {
      model.dispose()
      hyper.dispose()
    },
  }
}
