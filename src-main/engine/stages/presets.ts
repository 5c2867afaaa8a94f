/**
 * Pipeline presets: the settings of every stage for one scale. The stage defaults (`tagi train <stage>`)
 * are the `tiny` values on the built-in suite.
 *
 * `tiny` is sized for the 15-minute budget of the whole pipeline (a → f) on the built-in suite on a 2-core
 * CPU with the wasm backend: measured 188-292 s on this machine with other work running beside it
 * (backbone ~0.16 s/step, meta-train and teachers ~0.1 s, hypernetwork stages ~0.12-0.2 s; evaluation
 * ~6 s). `small` is the same recipe for the 'small' T5 preset, 8× the steps (hours). On an SNI folder the
 * prompts, targets and vocabulary are longer, as SNI's texts are, and teachers are trained for the 8
 * largest categories only (SNI's training split has dozens).
 */
import type { z } from 'zod'
import type { BackboneParams } from './backbone.ts'
import type { EvaluateParams } from './evaluate.ts'
import type { HyperFinetuneParams } from './hyper-finetune.ts'
import type { HyperPretrainParams } from './hyper-pretrain.ts'
import type { MetatrainParams } from './metatrain.ts'
import type { TeacherParams } from './teacher.ts'

export const PIPELINE_PRESETS = ['tiny', 'small'] as const
export type PipelinePreset = (typeof PIPELINE_PRESETS)[number]

type Shared = 'backbone' | 'dataset' | 'resume' | 'name'
export interface PipelinePlan {
  backbone: Omit<z.input<typeof BackboneParams>, 'dataset' | 'resume' | 'name'>
  metatrain: Omit<z.input<typeof MetatrainParams>, Shared>
  teacher: Omit<z.input<typeof TeacherParams>, Shared | 'group'>
  /** Train teachers for the largest N groups only (null = every group); SNI has dozens of categories. */
  teacherGroups: number | null
  hyperPretrain: Omit<z.input<typeof HyperPretrainParams>, Shared>
  hyperFinetune: Omit<z.input<typeof HyperFinetuneParams>, Shared | 'teachers' | 'pretrained' | 'metatrain'>
  evaluate: Omit<z.input<typeof EvaluateParams>, 'dataset' | 'backbone' | 'metatrain' | 'teachers' | 'hypers' | 'name'>
}

const steps = (n: number, batchSize: number, learningRate: number, checkpointEvery = 50) => ({ steps: n, batchSize, learningRate, warmupFraction: 0.02, decay: 'constant' as const, checkpointEvery, seed: 42 })

export function pipelinePlan(preset: PipelinePreset, onSuite: boolean): PipelinePlan {
  const scale = preset === 'tiny' ? 1 : 8
  const prompt = onSuite
    ? { setting: 'def+2pos' as const, maxSourceTokens: 160, maxTargetTokens: 32 }
    : { setting: 'def' as const, maxSourceTokens: 256, maxTargetTokens: 64 }
  const hyper = { rank: preset === 'tiny' ? 4 : 16 }
  return {
    backbone: { preset, vocabSize: onSuite ? 1000 : preset === 'tiny' ? 2000 : 4096, maxTokens: 64, training: steps(600 * scale, 16, 2e-3) },
    metatrain: { prompt, training: steps(600 * scale, 16, 2e-3) },
    teacher: { rank: hyper.rank, prompt, training: steps(100 * scale, 16, 3e-3) },
    teacherGroups: onSuite ? null : 8,
    hyperPretrain: { hyper, maxSequenceTokens: 96, maxPartTokens: 64, training: steps(150 * scale, 16, 1e-3) },
    hyperFinetune: { prompt, hyper, training: steps(400 * scale, 16, 1e-3) },
    evaluate: { instancesPerTask: 100, trainInstancesPerTask: 20, prompt, maxNewTokens: onSuite ? 32 : 64, batchSize: 32 },
  }
}
