/**
 * Per-task inference cost, TAGI against the full-prompt baseline (tagi-method.md §7.3), on the 100
 * instances of the SNI task of sni-setup.ts, through the evaluator's own predictor (eval/t5-predictor.ts):
 *   baseline  the backbone (the meta-trained model's architecture) reading the teacher prompt, Def + 2 Pos
 *   TAGI      the frozen backbone reading the instance input alone, with the adapter and the fused
 *             instruction states generated once for the task (hyperAdapterSource: that generation is timed)
 *   TAGI w/o fusion  the same without the instruction states in the decoder memory (the ablation)
 * TAGI runs the predictor's default adapterMode 'merged': the task's adapter merged into weight copies and the
 * instruction's cross-attention keys/values projected once per task (models/t5/prepared.ts).
 * Greedy decoding, the same batch size (the pipeline's evaluation batch) and the same max new tokens for
 * all: the task's longest reference in tokens (EOS included), the most a model that answers right would
 * generate. The weights are fresh, so no row stops early and every method decodes exactly that many steps:
 * the comparison is of the same decoding work over different inputs. Wall time is the median of 5
 * alternating rounds after a warm-up round on a slice of the task.
 */
import type { SniTask } from '../src-main/engine/data/sni/task.ts'
import { evalTasksFromSni, T5Predictor, type T5PredictorConfig } from '../src-main/engine/eval/t5-predictor.ts'
import type { EvalTask } from '../src-main/engine/eval/runner.ts'
import { encodeTruncated } from '../src-main/engine/eval/model-io.ts'
import { HyperNetwork, hyperAdapterSource } from '../src-main/engine/models/hyper/index.ts'
import type { T5Model, T5PresetName } from '../src-main/engine/models/t5/index.ts'
import { EvaluateParams } from '../src-main/engine/stages/evaluate.ts'
import { instructionText } from '../src-main/engine/stages/examples.ts'
import { pipelinePlan } from '../src-main/engine/stages/presets.ts'
import { median, round, sum, type Benchmark } from './common.ts'
import { profileCall, type KernelBreakdown } from './kernel-profile.ts'
import { SNI_INSTANCES, SNI_PROMPT, SNI_TASK, sniSetting } from './sni-setup.ts'
import { BENCH_SEED } from './stage-setup.ts'

/** Alternating rounds (baseline, TAGI, TAGI w/o fusion), so a load change hits every method alike. */
const ROUNDS = 5

/** The model as the predictor sees it, counting the tokens each row generates. */
function countingModel(model: T5Model, generated: number[]): T5Model {
  const counting = Object.create(model) as T5Model
  counting.generate = async (inputs, opts) => {
    const rows = await model.generate(inputs, opts)
    generated.push(...rows.map((row) => row.length))
    return rows
  }
  return counting
}

interface Method {
  label: string
  predictor: T5Predictor
  generated: number[]
}

export function inferenceCostBenchmark(preset: T5PresetName): Benchmark {
  const name = `inference/${preset}`
  return {
    name,
    async run() {
      const { task, tokenizer, model, hyper, dispose } = await sniSetting(preset)
      const unfused = HyperNetwork.create(model.config, { ...hyper.config, fusion: 'none' }, BENCH_SEED)
      try {
        const [evalTask] = evalTasksFromSni([task], SNI_INSTANCES) as [EvalTask<SniTask>]
        const maxNewTokens = Math.max(...task.instances.flatMap((i) => i.output.map((o) => tokenizer.encode(o).length)))
        const { batchSize } = EvaluateParams.parse({ ...pipelinePlan(preset, false).evaluate, backbone: 'bench' })
        const config: Partial<T5PredictorConfig> = { setting: SNI_PROMPT.setting, maxSourceTokens: SNI_PROMPT.maxSourceTokens, maxNewTokens, batchSize }
        const source = (h: HyperNetwork) =>
          hyperAdapterSource({ hyper: h, model, tokenizer, instructionOf: (t: SniTask) => instructionText(t, SNI_PROMPT, tokenizer), maxInstructionTokens: SNI_PROMPT.maxSourceTokens })
        const method = (label: string, input: 'full-prompt' | 'instance', h?: HyperNetwork): Method => {
          const generated: number[] = []
          return { label, generated, predictor: new T5Predictor(countingModel(model, generated), tokenizer, { ...config, input }, h ? source(h) : undefined) }
        }
        const methods = [method('baseline', 'full-prompt'), method('tagi', 'instance', hyper), method('tagiNoFusion', 'instance', unfused)]

        // Warm-up on a slice (kernels, XNNPACK operators, tokenizer caches), profiled for the tensor peak.
        const slice = { ...evalTask, instances: evalTask.instances.slice(0, batchSize) }
        const profiles: KernelBreakdown[] = []
        for (const m of methods) profiles.push(await profileCall(async () => void (await m.predictor.predictTask(slice))))
        const wall = new Map(methods.map((m) => [m.label, [] as number[]]))
        const flops = new Map<string, number>()
        for (let r = 0; r < ROUNDS; r++) {
          for (const m of methods) {
            m.generated.length = 0
            const started = performance.now()
            const out = await m.predictor.predictTask(evalTask)
            wall.get(m.label)!.push(performance.now() - started)
            flops.set(m.label, out.flops)
          }
        }

        const encoderTokens = (m: Method) => sum(evalTask.instances.map((i) => encodeTruncated(tokenizer, m.predictor.sourceText(task, i.input), SNI_PROMPT.maxSourceTokens).length)) / SNI_INSTANCES
        const instructionTokens = encodeTruncated(tokenizer, instructionText(task, SNI_PROMPT, tokenizer), SNI_PROMPT.maxSourceTokens).length
        const metrics: Record<string, number | string> = { instances: SNI_INSTANCES, batchSize, maxNewTokens, instructionTokens }
        const baseMs = median(wall.get('baseline')!)
        for (const m of methods) {
          const ms = median(wall.get(m.label)!)
          metrics[`${m.label}.wallMs`] = round(ms, 0)
          metrics[`${m.label}.encoderTokensPerInstance`] = round(encoderTokens(m), 1)
          metrics[`${m.label}.crossMemoryPerInstance`] = round(encoderTokens(m) + (m.label === 'tagi' ? instructionTokens : 0), 1)
          metrics[`${m.label}.generatedTokensPerInstance`] = round(sum(m.generated) / m.generated.length, 1)
          metrics[`${m.label}.gflop`] = round(flops.get(m.label)! / 1e9, 3)
          if (m.label !== 'baseline') {
            metrics[`${m.label}.wallRatio`] = round(ms / baseMs, 3)
            metrics[`${m.label}.flopRatio`] = round(flops.get(m.label)! / flops.get('baseline')!, 3)
          }
        }
        return {
          name,
          metrics,
          note: `${SNI_TASK}, ${SNI_INSTANCES} instances, Def + 2 Pos; greedy, batch ${batchSize}, ${maxNewTokens} new tokens (longest reference); median of ${ROUNDS} rounds; GFLOP = the predictor's estimate (eval/flops.ts)`,
          details: { wallMs: Object.fromEntries(wall), warmupProfiles: Object.fromEntries(methods.map((m, i) => [m.label, profiles[i]])) },
          tfPeakMiB: Math.max(...profiles.map((p) => p.peakTensorMiB)),
        }
      } finally {
        unfused.dispose()
        dispose()
      }
    },
  }
}
