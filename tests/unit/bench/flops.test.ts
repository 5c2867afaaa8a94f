/**
 * The bench's FLOP counter (bench/flops.ts) against the matMul kernels the engine really runs: tf.profile
 * lists every kernel with its shapes, and a matMul of A (…, m, k) giving C (…, m, n) costs 2·|A|·n FLOPs
 * whatever its transpose flags. The count from the model's shapes must equal that sum exactly for a
 * forward pass (plain, with fused memory and per-example LoRA, and the hypernetwork), and a full training
 * step must cost 3 × its forward, the rule the achieved-GFLOP/s column rests on.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { tf, initBackend } from '../../../src-main/engine/backend/index.ts'
import { adaptersForBatch, HyperNetwork, hyperTargetOf } from '../../../src-main/engine/models/hyper/index.ts'
import type { PerExampleLora } from '../../../src-main/engine/models/lora/index.ts'
import { T5Model, t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { hyperGenerateFlops, t5ForwardFlops, TRAINED_PASS } from '../../../bench/flops.ts'
import { profileCall } from '../../../bench/kernel-profile.ts'

beforeAll(async () => {
  await initBackend()
})

/** FLOPs of the matMul kernels of one call, read from the profile's shapes. */
async function kernelFlops(fn: () => void): Promise<number> {
  return (await profileCall(fn)).matMulFlops
}

describe('bench FLOP counting', () => {
  const config = { ...t5Preset('tiny', 300), dropoutRate: 0 }
  const [batch, source, target, memory] = [3, 11, 6, 5]
  const ids = (rows: number, cols: number, seed: number) => tf.randomUniform([rows, cols], 2, config.vocabSize, 'int32', seed) as tf.Tensor2D

  it('counts exactly the matMuls of a forward pass, and 3× that for a full training step', async () => {
    const model = T5Model.init(config, 1)
    const data = { inputIds: ids(batch, source, 1), attentionMask: tf.ones([batch, source], 'int32') as tf.Tensor2D, decoderInputIds: ids(batch, target, 2), labels: ids(batch, target, 3) }
    const counted = t5ForwardFlops(config, { batch, source, target })
    expect(await kernelFlops(() => tf.dispose(model.forward(data) as unknown as tf.TensorContainer))).toBe(counted)
    const step = await kernelFlops(() => {
      const { value, grads } = tf.variableGrads(() => model.forward(data).loss!, [...model.weights().values()])
      tf.dispose([value, ...Object.values(grads)])
    })
    expect(step).toBe(TRAINED_PASS * counted)
    model.dispose()
    tf.dispose(Object.values(data))
  })

  it('counts fused memory, per-example LoRA and the hypernetwork exactly', async () => {
    const model = T5Model.init(config, 1)
    const hyper = HyperNetwork.create(config, { rank: 4 }, 1)
    const pooled = tf.randomNormal([batch, config.dModel], 0, 1, 'float32', 4) as tf.Tensor2D
    expect(await kernelFlops(() => tf.tidy(() => void hyper.generate(pooled)))).toBe(hyperGenerateFlops(hyper.config, hyperTargetOf(config), batch))

    // tf.tidy does not look inside Maps: keep the factors one by one.
    const adapters = new Map<string, PerExampleLora>()
    tf.tidy(() => {
      for (const [id, lora] of adaptersForBatch(hyper.generate(pooled))) adapters.set(id, { ...lora, A: tf.keep(lora.A), B: tf.keep(lora.B) })
    })
    const extraMemory = { states: tf.randomNormal([batch, memory, config.dModel]) as tf.Tensor3D, mask: tf.ones([batch, memory]) as tf.Tensor2D }
    const data = { inputIds: ids(batch, source, 5), attentionMask: tf.ones([batch, source], 'int32') as tf.Tensor2D, decoderInputIds: ids(batch, target, 6) }
    const forward = await kernelFlops(() => tf.dispose(model.forward(data, { adapters, extraMemory }) as unknown as tf.TensorContainer))
    expect(forward).toBe(t5ForwardFlops(config, { batch, source, target, extraMemory: memory, loraRank: 4 }))

    // Training only the hypernetwork: tfjs skips the backward of the first projections, whose input
    // depends on no trainable weight, so the step costs a little under the ×3 the bench counts.
    const frozenStep = await kernelFlops(() => {
      const { value, grads } = tf.variableGrads(() => {
        const generated = adaptersForBatch(hyper.generate(pooled))
        return tf.sum(model.forward(data, { adapters: generated, extraMemory }).logits) as tf.Scalar
      }, [...hyper.variables.values()])
      tf.dispose([value, ...Object.values(grads)])
    })
    const counted = TRAINED_PASS * (forward + hyperGenerateFlops(hyper.config, hyperTargetOf(config), batch))
    expect(frozenStep / counted).toBeGreaterThan(0.9)
    expect(frozenStep / counted).toBeLessThan(1)

    for (const lora of adapters.values()) tf.dispose([lora.A, lora.B])
    tf.dispose([pooled, extraMemory.states, extraMemory.mask, ...Object.values(data)])
    hyper.dispose()
    model.dispose()
  })
})
