/**
 * One training step of the `tiny` preset (forward + backward + Adam) on B16 × source 64 × target 16:
 * median step time, tokens/s, and achieved GFLOP/s with FLOPs counted from the model's shapes
 * (2·m·n·k per matMul, ×3 for forward + backward).
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { T5Model, t5Preset, countT5Parameters, type T5Config } from '../src-main/engine/models/t5/index.ts'
import { median, timeIt, type Benchmark } from './common.ts'

export const BATCH = 16
export const SOURCE = 64
export const TARGET = 16

/** Forward matMul FLOPs of one teacher-forced pass. */
export function forwardFlops(c: T5Config, b: number, s: number, t: number): number {
  const inner = c.dKv * c.numHeads
  const ffnIn = c.feedForwardProj === 'relu' ? 1 : 2
  const proj = (rows: number, n: number, k: number) => 2 * rows * n * k
  const scores = (q: number, k: number) => 2 * (2 * b * c.numHeads * q * k * c.dKv) // q·kᵀ and p·v
  const ffn = (rows: number) => ffnIn * proj(rows, c.dFf, c.dModel) + proj(rows, c.dModel, c.dFf)
  let f = 0
  for (let l = 0; l < c.numLayers; l++) f += 3 * proj(b * s, inner, c.dModel) + proj(b * s, c.dModel, inner) + scores(s, s) + ffn(b * s)
  for (let l = 0; l < c.numDecoderLayers; l++) {
    f += 3 * proj(b * t, inner, c.dModel) + proj(b * t, c.dModel, inner) + scores(t, t) // self
    f += 2 * proj(b * t, inner, c.dModel) + 2 * proj(b * s, inner, c.dModel) + scores(t, s) // cross (q, o; k, v)
    f += ffn(b * t)
  }
  return f + proj(b * t, c.vocabSize, c.dModel)
}

export const t5TrainStep: Benchmark = {
  name: 't5-tiny-train-step',
  async run() {
    const config = t5Preset('tiny')
    const model = T5Model.init(config, 1)
    const ids = (rows: number, cols: number) => tf.randomUniform([rows, cols], 2, config.vocabSize, 'int32') as tf.Tensor2D
    const batch = { inputIds: ids(BATCH, SOURCE), attentionMask: tf.ones([BATCH, SOURCE], 'int32') as tf.Tensor2D, decoderInputIds: ids(BATCH, TARGET), labels: ids(BATCH, TARGET) }
    const optimizer = tf.train.adam(1e-3)
    const vars = [...model.weights().values()]
    const step = () => {
      const loss = optimizer.minimize(() => model.forward(batch, { training: true }).loss!, true, vars)!
      loss.dataSync()
      loss.dispose()
    }
    const times = await timeIt(step, { warmup: 2, repeats: 7 })
    const ms = median(times)
    const flops = 3 * forwardFlops(config, BATCH, SOURCE, TARGET)
    optimizer.dispose()
    model.dispose()
    tf.dispose(Object.values(batch))
    return {
      name: 't5-tiny-train-step',
      metrics: {
        params: countT5Parameters(config),
        batch: `B${BATCH}×S${SOURCE}×T${TARGET}`,
        medianStepMs: Number(ms.toFixed(1)),
        tokensPerSecond: Math.round((BATCH * (SOURCE + TARGET)) / (ms / 1000)),
        gflopPerStep: Number((flops / 1e9).toFixed(3)),
        achievedGflops: Number((flops / (ms / 1000) / 1e9).toFixed(2)),
      },
    }
  },
}
