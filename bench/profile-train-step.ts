/**
 * Where the time of one tiny-preset training step goes: `tf.profile` per kernel, summed by kernel name
 * (and by input shapes for the top kernels). Run: `node --import tsx bench/profile-train-step.ts`.
 */
import { initBackend, tf } from '../src-main/engine/backend/index.ts'
import { T5Model, t5Preset } from '../src-main/engine/models/t5/index.ts'
import { isKernel } from './kernel-profile.ts'
import { BATCH, SOURCE, TARGET } from './t5-train-step.ts'

await initBackend()
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
for (let i = 0; i < 3; i++) step()
const plain: number[] = []
for (let i = 0; i < 9; i++) {
  const t = performance.now()
  step()
  plain.push(performance.now() - t)
}
console.log(`unprofiled steps (ms): ${plain.map((v) => v.toFixed(0)).join(' ')}; median ${[...plain].sort((a, b) => a - b)[4].toFixed(1)}`)
const t0 = performance.now()
const info = await tf.profile(step)
const wall = performance.now() - t0
const byName = new Map<string, { ms: number; count: number }>()
const byShape = new Map<string, { ms: number; count: number }>()
let total = 0
for (const k of info.kernels) {
  if (!isKernel(k.name)) continue // a customGrad wrapper: its kernels are listed on their own
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0
  total += ms
  const a = byName.get(k.name) ?? { ms: 0, count: 0 }
  a.ms += ms
  a.count++
  byName.set(k.name, a)
  const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`
  const b = byShape.get(key) ?? { ms: 0, count: 0 }
  b.ms += ms
  b.count++
  byShape.set(key, b)
}
console.log(`profiled step wall ${wall.toFixed(1)} ms, kernel sum ${total.toFixed(1)} ms, ${info.kernels.filter((k) => isKernel(k.name)).length} kernels`)
for (const [name, v] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`${name.padEnd(24)} ${v.ms.toFixed(1).padStart(8)} ms  ×${v.count}`)
console.log('--- by shape')
for (const [name, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) console.log(`${v.ms.toFixed(1).padStart(8)} ms ×${String(v.count).padStart(3)}  ${name}`)
