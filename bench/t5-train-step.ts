/**
 * One training step of the `tiny` preset on synthetic ids (forward + backward + tf.train.adam) on
 * B16 × source 64 × target 16, in this thread: median step time, tokens/s, achieved GFLOP/s with FLOPs
 * counted from the model's shapes (flops.ts: 2·m·n·k per matMul, ×3 for forward + backward), and its ratio
 * to the run's 2-D matMul rate. The stage benchmarks (stage-steps.ts) time the real stages' steps; this
 * fixed-shape one stays comparable across runs whatever the data and the stages do.
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { T5Model, t5Preset, countT5Parameters, type T5Config } from '../src-main/engine/models/t5/index.ts'
import { median, requireMatMulRate, timeIt, type Benchmark } from './common.ts'
import { t5ForwardFlops, TRAINED_PASS } from './flops.ts'

export const BATCH = 16
export const SOURCE = 64
export const TARGET = 16

/** FLOPs of one training step at the fixed shapes. */
export function trainStepFlops(c: T5Config, batch = BATCH, source = SOURCE, target = TARGET): number {
  return TRAINED_PASS * t5ForwardFlops(c, { batch, source, target })
}

export const t5TrainStep: Benchmark = {
  name: 't5-tiny-train-step',
  async run(ctx) {
    const matMulRate = requireMatMulRate(ctx, 't5-tiny-train-step')
    const config = t5Preset('tiny')
    const model = T5Model.init(config, 1)
    const ids = (rows: number, cols: number) => tf.randomUniform([rows, cols], 2, config.vocabSize, 'int32') as tf.Tensor2D
    const batch = { inputIds: ids(BATCH, SOURCE), attentionMask: tf.ones([BATCH, SOURCE], 'int32') as tf.Tensor2D, decoderInputIds: ids(BATCH, TARGET), labels: ids(BATCH, TARGET) }
    const vars = [...model.weights().values()]
    const flops = trainStepFlops(config)
    const metrics: Record<string, number | string> = { params: countT5Parameters(config), batch: `B${BATCH}×S${SOURCE}×T${TARGET}`, gflopPerStep: Number((flops / 1e9).toFixed(3)) }
    const optimizer = tf.train.adam(1e-3)
    const step = () => {
      const loss = optimizer.minimize(() => model.forward(batch, { training: true }).loss!, true, vars)!
      loss.dataSync()
      loss.dispose()
    }
    const ms = median(await timeIt(step, { warmup: 2, repeats: 9 }))
    const achieved = flops / (ms / 1000) / 1e9
    metrics.medianStepMs = Number(ms.toFixed(1))
    metrics.tokensPerSecond = Math.round((BATCH * (SOURCE + TARGET)) / (ms / 1000))
    metrics.achievedGflops = Number(achieved.toFixed(2))
    metrics.ratioToMatMul = Number((achieved / (matMulRate * ctx.threads)).toFixed(3))
    optimizer.dispose()
    model.dispose()
    tf.dispose(Object.values(batch))
    return { name: 't5-tiny-train-step', metrics, note: 'synthetic ids, one thread, dropout on, tf.train.adam; ratioToMatMul = achieved / (the run\'s matmul-2d rate × threads)' }
  },
}
