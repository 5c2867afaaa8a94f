/**
 * Adapter generation latency (tagi-method.md §1 step 4: one generation per task at inference) for a
 * preset (the issue-7 target is on tiny), on the SNI task of sni-setup.ts:
 *   withEncoding     instruction text → tokens → frozen encoder → pooling → generators → LoraSet (+ the fused
 *                    instruction states), i.e. `generateTaskConditioning`, what the evaluator calls per task
 *   withoutEncoding  pooled instruction (already encoded) → generators → LoraSet
 *   encodingOnly     tokens → frozen encoder → pooling, the difference between the two
 * Each is the median of 20 calls after 3 warm-up calls, the three timed round-robin; one more full call
 * runs under tf.profile.
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { disposeConditioning } from '../src-main/engine/eval/conditioning.ts'
import { adaptersForBatch, disposeEncoding, encodeInstructions, generateTaskConditioning, hyperTargetOf } from '../src-main/engine/models/hyper/index.ts'
import type { T5PresetName } from '../src-main/engine/models/t5/index.ts'
import { instructionText } from '../src-main/engine/stages/examples.ts'
import { median, round, timeInterleaved, type Benchmark } from './common.ts'
import { encoderFlops, hyperGenerateFlops } from './flops.ts'
import { profileCall } from './kernel-profile.ts'
import { SNI_PROMPT, SNI_TASK, sniSetting } from './sni-setup.ts'

const TIMING = { warmup: 3, repeats: 20 }

export function adapterGenerationBenchmark(preset: T5PresetName): Benchmark {
  const name = `adapter-generation/${preset}`
  return {
    name,
    async run() {
      const { task, tokenizer, model, hyper, dispose } = await sniSetting(preset)
      try {
        const instruction = instructionText(task, SNI_PROMPT, tokenizer)
        const maxTokens = SNI_PROMPT.maxSourceTokens
        const masked = hyper.config.pooling === 'masked'
        const options = { hyper, model, tokenizer, maxInstructionTokens: maxTokens }
        const full = () => {
          const conditioning = generateTaskConditioning(options, instruction)
          ;[...conditioning.adapters!.values()].at(-1)!.B.dataSync() // wait for the last module (a no-op on synchronous backends)
          disposeConditioning(conditioning)
        }
        const encoding = encodeInstructions(model, tokenizer, [instruction], maxTokens, masked)
        const generatorsOnly = () => {
          const factors = tf.tidy(() => [...adaptersForBatch(hyper.generate(encoding.pooled)).values()].flatMap((lora) => [lora.A, lora.B]))
          factors.at(-1)!.dataSync()
          tf.dispose(factors)
        }
        const encodingOnly = () => disposeEncoding(encodeInstructions(model, tokenizer, [instruction], maxTokens, masked))
        const [withEncoding, withoutEncoding, encodingMs] = (await timeInterleaved([full, generatorsOnly, encodingOnly], TIMING)).map(median) as [number, number, number]
        const profile = await profileCall(full)
        const tokens = encoding.tokens[0]!
        disposeEncoding(encoding)
        return {
          name,
          metrics: {
            instructionTokens: tokens,
            modules: hyper.moduleIds().length,
            rank: hyper.config.rank,
            hyperParams: hyper.parameterCount(),
            withEncodingMs: round(withEncoding),
            withoutEncodingMs: round(withoutEncoding),
            encodingOnlyMs: round(encodingMs),
            encoderMflop: round(encoderFlops(model.config, 1, tokens) / 1e6, 2),
            generatorMflop: round(hyperGenerateFlops(hyper.config, hyperTargetOf(model.config), 1) / 1e6, 2),
          },
          note: `${SNI_TASK} instruction (Def + 2 Pos, ${tokens} tokens) → ${hyper.moduleIds().length} q/v LoRA modules of rank ${hyper.config.rank}; median of ${TIMING.repeats} after ${TIMING.warmup} warm-up`,
          details: { profile },
          tfPeakMiB: profile.peakTensorMiB,
        }
      } finally {
        dispose()
      }
    },
  }
}
