/**
 * The instruction encoder variants (decisions.md §1 point 3): the frozen backbone encoder (default) and a
 * separate trainable copy owned by the hypernetwork, trained in hyper-pretrain/finetune and saved with the run.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { encodeInstructions, generateTaskConditioning, HyperNetwork, resolveHyperConfig } from '../../../src-main/engine/models/hyper/index.ts'
import { t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { HyperPretrainParams, runHyperPretrainStage } from '../../../src-main/engine/stages/hyper-pretrain.ts'
import { HyperFinetuneParams, loadHyperRun, MODEL_DIR, runHyperFinetuneStage } from '../../../src-main/engine/stages/index.ts'
import { importedTinyBackbone, tinyHyperParams } from './helpers.ts'

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.sub(a, b).abs().max().dataSync()[0]!)

beforeAll(async () => {
  await initBackend()
})

describe('instruction encoder variants', () => {
  it("defaults to the frozen backbone encoder and rejects an unknown variant by name", () => {
    expect(resolveHyperConfig({}).instructionEncoder).toBe('frozen-backbone')
    expect(() => resolveHyperConfig({ instructionEncoder: 'shared' })).toThrow(/instructionEncoder/)
    const config = t5Preset('tiny', 100)
    expect(() => HyperNetwork.create(config, { rank: 2, instructionEncoder: 'trainable-copy' })).toThrow(/needs the backbone's encoder weights/)
  })

  it("'trainable-copy' trains its own encoder, leaves the backbone untouched, and a saved run reproduces the adapter", async () => {
    const { init, workspace, ctx, backbone } = await importedTinyBackbone(7)
    const base = tinyHyperParams(backbone, { instructionEncoder: 'trainable-copy' })
    const pre = await runHyperPretrainStage(HyperPretrainParams.parse(base), ctx)
    const loss = { kl: null, ins: null }
    const fine = await runHyperFinetuneStage(HyperFinetuneParams.parse({ ...base, pretrained: pre.runId, loss }), ctx)
    // The backbone was not trained: no copy of it is kept with either run.
    for (const id of [pre.runId, fine.runId]) expect(existsSync(workspace.runs.open(id).path(MODEL_DIR))).toBe(false)

    const loaded = await loadHyperRun(workspace, fine.runId)
    const own = loaded.hyper.instructionEncoderWeights(loaded.model)
    const backboneWeights = loaded.model.weights()
    expect([...own.keys()].every((key) => key === 'shared.weight' || key.startsWith('encoder.'))).toBe(true)
    expect(own.size).toBe([...backboneWeights.keys()].filter((key) => key === 'shared.weight' || key.startsWith('encoder.')).length)
    // The copy started as the backbone's encoder and moved; the backbone is the initial checkpoint, bit for bit.
    expect(maxAbsDiff(own.get('encoder.block.0.layer.0.SelfAttention.q.weight')!, backboneWeights.get('encoder.block.0.layer.0.SelfAttention.q.weight')!)).toBeGreaterThan(0)
    expect(maxAbsDiff(own.get('shared.weight')!, backboneWeights.get('shared.weight')!)).toBeGreaterThan(0)
    for (const [key, w] of backboneWeights) expect(maxAbsDiff(w, init.weights().get(key)!), key).toBe(0)

    // The copy is what encodes instructions: it differs from the frozen backbone's encoding.
    const instruction = 'Answer with the first word of the sentence.'
    const viaCopy = encodeInstructions(loaded.model, loaded.tokenizer, [instruction], 32, true, own)
    const viaBackbone = encodeInstructions(loaded.model, loaded.tokenizer, [instruction], 32, true)
    expect(maxAbsDiff(viaCopy.pooled, viaBackbone.pooled)).toBeGreaterThan(0)
    tf.dispose([viaCopy.pooled, viaCopy.states, viaCopy.mask, viaBackbone.pooled, viaBackbone.states, viaBackbone.mask])

    // Save → load reproduces the generated adapter and the fused states exactly.
    const again = mkdtempSync(join(tmpdir(), 'hyper-'))
    loaded.hyper.save(again)
    const reloaded = HyperNetwork.load(again, loaded.model.config)
    expect(reloaded.config.instructionEncoder).toBe('trainable-copy')
    const options = { model: loaded.model, tokenizer: loaded.tokenizer, maxInstructionTokens: 32 }
    const first = generateTaskConditioning({ ...options, hyper: loaded.hyper }, instruction)
    const second = generateTaskConditioning({ ...options, hyper: reloaded }, instruction)
    let nonZeroA = false
    for (const [id, lora] of first.adapters!) {
      const other = second.adapters!.get(id)!
      if (lora.kind !== 'per-example' || other.kind !== 'per-example') throw new Error('expected per-example adapters')
      expect(maxAbsDiff(lora.A, other.A), id).toBe(0)
      expect(maxAbsDiff(lora.B, other.B), id).toBe(0)
      nonZeroA ||= tf.tidy(() => lora.A.abs().max().dataSync()[0]!) > 0
    }
    expect(nonZeroA).toBe(true)
    expect(maxAbsDiff(first.extraMemory!.states, second.extraMemory!.states)).toBe(0)
    for (const c of [first, second]) {
      for (const lora of c.adapters!.values()) if (lora.kind === 'per-example') tf.dispose([lora.A, lora.B])
      if (c.extraMemory) tf.dispose([c.extraMemory.states, c.extraMemory.mask])
    }
    reloaded.dispose()
    loaded.dispose()
    init.dispose()
  }, 180_000)
})
