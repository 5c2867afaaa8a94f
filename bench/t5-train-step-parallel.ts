/**
 * The tiny-preset training step data-parallel over worker threads (src-main/engine/parallel): the same
 * global batch B16 × 64 × 16 with 1 and with 2 workers (one wasm thread each), tf.train.adam applied on
 * this thread. Ratio = achieved GFLOP/s / (the run's one-thread 2-D matMul rate × threads), the issue-7 target
 * being ≥ 0.5. Step time includes broadcasting the weights and averaging the gradients.
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { T5Model, t5Preset } from '../src-main/engine/models/t5/index.ts'
import { createDataParallelTrainer, type BatchData } from '../src-main/engine/parallel/index.ts'
import { median, requireMatMulRate, timeIt, type Benchmark } from './common.ts'
import { BATCH, SOURCE, TARGET, trainStepFlops } from './t5-train-step.ts'

const replicaModule = new URL('../src-main/engine/parallel/t5-replica.ts', import.meta.url)

function randomIds(rows: number, cols: number, vocab: number): Int32Array {
  return Int32Array.from({ length: rows * cols }, () => 2 + Math.floor(Math.random() * (vocab - 2)))
}

export const t5TrainStepParallel: Benchmark = {
  name: 't5-tiny-train-step-parallel',
  async run(ctx) {
    const config = t5Preset('tiny')
    const batch: BatchData = {
      inputIds: { shape: [BATCH, SOURCE], dtype: 'int32', data: randomIds(BATCH, SOURCE, config.vocabSize) },
      attentionMask: { shape: [BATCH, SOURCE], dtype: 'int32', data: new Int32Array(BATCH * SOURCE).fill(1) },
      decoderInputIds: { shape: [BATCH, TARGET], dtype: 'int32', data: randomIds(BATCH, TARGET, config.vocabSize) },
      labels: { shape: [BATCH, TARGET], dtype: 'int32', data: randomIds(BATCH, TARGET, config.vocabSize) },
    }
    const flops = trainStepFlops(config)
    const matMulRate = requireMatMulRate(ctx, 't5-tiny-train-step-parallel')
    const metrics: Record<string, number | string> = { batch: `B${BATCH}×S${SOURCE}×T${TARGET}`, matMulGflopsPerThread: Number(matMulRate.toFixed(2)) }
    const notes: string[] = []
    for (const workers of [1, 2]) {
      const trainer = await createDataParallelTrainer({ replicaModule, replicaOptions: { config, training: true }, workers })
      if (trainer.fallbackReason) notes.push(`${workers} workers: ${trainer.fallbackReason}`)
      const model = T5Model.init(config, 1)
      const optimizer = tf.train.adam(1e-3)
      const ms = median(await timeIt(async () => void (await trainer.step(model.weights(), batch, optimizer)), { warmup: 2, repeats: 9 }))
      const achieved = flops / (ms / 1000) / 1e9
      const label = `threads${trainer.threads}`
      metrics[`${label}.medianStepMs`] = Number(ms.toFixed(1))
      metrics[`${label}.tokensPerSecond`] = Math.round((BATCH * (SOURCE + TARGET)) / (ms / 1000))
      metrics[`${label}.achievedGflops`] = Number(achieved.toFixed(2))
      metrics[`${label}.ratioToCeiling`] = Number((achieved / (matMulRate * trainer.threads)).toFixed(3))
      optimizer.dispose()
      model.dispose()
      await trainer.dispose()
    }
    return { name: 't5-tiny-train-step-parallel', metrics, note: ['ceiling = one thread\'s 2-D matMul rate × threads', ...notes].join('; ') }
  },
}
