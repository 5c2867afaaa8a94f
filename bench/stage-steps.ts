/**
 * Training-step benchmarks: one per preset × TAGI stage (stage-setup.ts builds the stage's own step).
 *
 * A step is what training/trainer.ts does per iteration, minus its logging and checkpoints: build the
 * batch, forward + backward under tf.variableGrads, AdamW update, read the loss and its terms. After
 * `warmup` steps, `steps` steps are timed one by one:
 *   medianStepMs    median wall time of a step
 *   tokensPerSecond real (non-pad) tokens of the timed steps / their total time (the trainer's tokens/s)
 *   achievedGflops  FLOPs of the timed steps from their padded shapes (flops.ts) / their total time
 *   ratioToMatMul   achievedGflops / (the run's 2-D matMul rate × threads used)
 * Then one more step runs under tf.profile (kernel-profile.ts) for the time breakdown and the tensor peak.
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { Rng } from '../src-main/engine/data/random.ts'
import type { T5PresetName } from '../src-main/engine/models/t5/index.ts'
import { AdamW, DataOrder } from '../src-main/engine/training/index.ts'
import { median, requireMatMulRate, round, sum, type Benchmark } from './common.ts'
import { profileCall } from './kernel-profile.ts'
import { BENCH_SEED, stageBench, STAGES, type StageBench, type StageName } from './stage-setup.ts'

/** Steps per preset: enough for a stable median on tiny; few on small, whose steps take seconds. */
export const STEP_COUNTS: Record<T5PresetName, { warmup: number; steps: number }> = {
  tiny: { warmup: 3, steps: 20 },
  small: { warmup: 1, steps: 4 },
}

interface StepRecord {
  ms: number
  flops: number
  tokens: number
  widths: Record<string, number>
}

/** One optimizer step of the stage, exactly as the trainer runs it. */
function makeStepper(bench: StageBench<unknown>): { step: () => StepRecord; dispose: () => void } {
  const { step, trainable } = bench
  const optimizer = new AdamW(trainable)
  const order = DataOrder.fresh(step.itemCount, BENCH_SEED)
  const rng = Rng.derive(BENCH_SEED, 'batches')
  const variables = [...trainable.values()]
  const nameOf = new Map([...trainable].map(([name, v]) => [v.name, name]))
  return {
    step: () => {
      const started = performance.now()
      const indices = order.next(bench.batchSize)
      const batch = step.makeBatch(indices, rng)
      let terms: tf.Scalar[] = []
      const { value, grads } = tf.variableGrads(() => {
        const out = step.lossFn(batch)
        terms = Object.values(out.terms).map((t) => tf.keep(t))
        return out.loss
      }, variables)
      optimizer.apply(new Map(Object.entries(grads).map(([varName, g]) => [nameOf.get(varName)!, g])), bench.learningRate)
      const loss = value.dataSync()[0]!
      for (const t of terms) t.dataSync()
      const record = { flops: bench.flopsOf(batch, indices), tokens: step.batchTokens(batch), widths: bench.widthsOf(batch) }
      tf.dispose([value, ...Object.values(grads), ...terms])
      step.disposeBatch(batch)
      if (!Number.isFinite(loss)) throw new Error(`bench step: the loss is ${loss}`)
      return { ms: performance.now() - started, ...record }
    },
    dispose: () => optimizer.dispose(),
  }
}

export function stageStepBenchmark(preset: T5PresetName, stage: StageName): Benchmark {
  const name = `train-step/${preset}/${stage}`
  return {
    name,
    async run(ctx) {
      const rate = requireMatMulRate(ctx, name)
      const bench = await stageBench(preset, stage)
      const stepper = makeStepper(bench)
      try {
        const { warmup, steps } = STEP_COUNTS[preset]
        for (let i = 0; i < warmup; i++) stepper.step()
        const records = Array.from({ length: steps }, () => stepper.step())
        let profiled: StepRecord | null = null
        const profile = await profileCall(() => void (profiled = stepper.step()))
        const seconds = sum(records.map((r) => r.ms)) / 1000
        const achieved = sum(records.map((r) => r.flops)) / seconds / 1e9
        const meanWidth = (key: string) => Math.round(sum(records.map((r) => r.widths[key] ?? 0)) / records.length)
        const fused = records[0]!.widths.instruction !== undefined
        const shape = `B${meanWidth('batch')}×S${meanWidth('source')}×T${meanWidth('target')}` + (fused ? `+I${meanWidth('instruction')}` : '')
        return {
          name,
          metrics: {
            batch: shape,
            trainableParams: sum([...bench.trainable.values()].map((v) => v.size)),
            medianStepMs: round(median(records.map((r) => r.ms)), 1),
            tokensPerSecond: Math.round(sum(records.map((r) => r.tokens)) / seconds),
            gflopPerStep: round(sum(records.map((r) => r.flops)) / records.length / 1e9, 3),
            achievedGflops: round(achieved),
            ratioToMatMul: round(achieved / (rate * ctx.threads), 3),
            threads: ctx.threads,
            matMulKernelPct: Math.round((100 * profile.matMulMs) / profile.wallMs),
            otherKernelPct: Math.round((100 * profile.otherKernelMs) / profile.wallMs),
            outsideKernelsPct: Math.round((100 * profile.outsideKernelsMs) / profile.wallMs),
          },
          note: `${steps} timed steps after ${warmup} warm-up; mean padded batch ${shape}${fused ? ' (I: instruction positions, encoded and fused)' : ''}`,
          details: {
            steps: records.map((r) => ({ ms: round(r.ms, 1), gflop: round(r.flops / 1e9, 4), tokens: r.tokens, ...r.widths })),
            profile: { ...profile, gflop: round(profiled!.flops / 1e9, 4) },
          },
          tfPeakMiB: profile.peakTensorMiB,
        }
      } finally {
        stepper.dispose()
        bench.dispose()
      }
    },
  }
}

export const STAGE_STEP_BENCHMARKS: Benchmark[] = (['tiny', 'small'] as const).flatMap((preset) => STAGES.map((stage) => stageStepBenchmark(preset, stage)))
