/** Per-example LoRA: the block-diagonal 2-D form against the batched-matMul form (forward + backward). */
import { tf } from '../src-main/engine/backend/index.ts'
import { loraLinear, setPerExampleMode, getPerExampleMode, type PerExampleMode } from '../src-main/engine/models/lora/index.ts'
import { median, timeIt, type Benchmark } from './common.ts'

export const loraPerExample: Benchmark = {
  name: 'lora-per-example',
  async run() {
    const [b, s, d, r] = [16, 64, 64, 4]
    const x = tf.randomNormal([b, s, d]) as tf.Tensor3D
    const w = tf.randomNormal([d, d])
    const A = tf.randomNormal([b, d, r]) as tf.Tensor3D
    const B = tf.randomNormal([b, r, d]) as tf.Tensor3D
    const before = getPerExampleMode()
    const metrics: Record<string, number> = {}
    for (const mode of ['block-diagonal', 'batched'] as PerExampleMode[]) {
      setPerExampleMode(mode)
      const g = tf.grads((a: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(loraLinear(x, w, 'm', new Map([['m', { kind: 'per-example', A: a as tf.Tensor3D, B: bb as tf.Tensor3D, scale: 2 }]]))),
      )
      const times = await timeIt(() => {
        const out = g([A, B])
        out[0].dataSync()
        tf.dispose(out)
      })
      metrics[`${mode}Ms`] = Number(median(times).toFixed(2))
    }
    setPerExampleMode(before)
    tf.dispose([x, w, A, B])
    return { name: 'lora-per-example', metrics, note: `B${b}×S${s}, d=${d}, r=${r}, forward+backward of one adapted linear` }
  },
}
