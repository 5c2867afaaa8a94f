/**
 * One training step of the `tiny` preset (forward + backward + Adam) on B16 × source 64 × target 16, in
 * this thread: median step time, tokens/s, achieved GFLOP/s with FLOPs counted from the model's shapes
 * (2·m·n·k per matMul, ×3 for forward + backward), and its ratio to this backend's 2-D matMul rate
 * measured just before (the issue-7 target is ≥ 0.5).
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { T5Model, t5Preset, countT5Parameters, type T5Config } from '../src-main/engine/models/t5/index.ts'
import { median, timeIt, type Benchmark } from './common.ts'
import { matMulGflops } from './matmul.ts'

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

/** FLOPs of one training step (forward + backward ≈ 3 × forward). */
export function trainStepFlops(c: T5Config, b = BATCH, s = SOURCE, t = TARGET): number {
  return 3 * forwardFlops(c, b, s, t)
}

export const t5TrainStep: Benchmark = {
  name: 't5-tiny-train-step',
  async run() {
    const config = t5Preset('tiny')
    const model = T5Model.init(config, 1)
    const ids = (rows: number, cols: number) => tf.randomUniform([rows, cols], 2, config.vocabSize, 'int32') as tf.Tensor2D
    const batch = { inputIds: ids(BATCH, SOURCE), attentionMask: tf.ones([BATCH, SOURCE], 'int32') as tf.Tensor2D, decoderInputIds: ids(BATCH, TARGET), labels: ids(BATCH, TARGET) }
    const vars = [...model.weights().values()]
    const flops = trainStepFlops(config)
    const matMulRate = await matMulGflops(512)
    const metrics: Record<string, number | string> = { params: countT5Parameters(config), batch: `B${BATCH}×S${SOURCE}×T${TARGET}`, gflopPerStep: Number((flops / 1e9).toFixed(3)), matMulGflops: Number(matMulRate.toFixed(2)) }
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
    metrics.ratioToMatMul = Number((achieved / matMulRate).toFixed(3))
    optimizer.dispose()
    model.dispose()
    tf.dispose(Object.values(batch))
    return { name: 't5-tiny-train-step', metrics, note: 'one thread, dropout on; ratioToMatMul = achieved / the 512³ 2-D matMul rate measured in the same run' }
  },
}
