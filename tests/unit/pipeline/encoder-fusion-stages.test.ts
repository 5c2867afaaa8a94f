/**
 * The paper's encoder fusion (Eq. 1) through the stages: hyper-pretrain and hyper-finetune train its blocks with
 * the hypernetwork, the run reloads them, TAGI inference uses them, and the exported adapter folder carries them.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { disposeConditioning } from '../../../src-main/engine/eval/conditioning.ts'
import { readSafetensors } from '../../../src-main/engine/formats/safetensors.ts'
import { generateTaskConditioning } from '../../../src-main/engine/models/hyper/index.ts'
import { INSTRUCTION_MEMORY_FILE, saveGeneratedAdapter } from '../../../src-main/engine/playground/index.ts'
import { HyperPretrainParams, runHyperPretrainStage } from '../../../src-main/engine/stages/hyper-pretrain.ts'
import { HyperFinetuneParams, loadHyperRun, PipelineParams, runHyperFinetuneStage } from '../../../src-main/engine/stages/index.ts'
import { importedTinyBackbone, tinyHyperParams } from './helpers.ts'

beforeAll(async () => {
  await initBackend()
})

describe("fusion 'encoder-cross-attention' in the stages", () => {
  it('is a pipeline option beside the default, and not a way to turn fusion off (that is the ablation)', () => {
    expect(PipelineParams.parse({}).fusion).toBe('decoder-concat')
    expect(PipelineParams.parse({ fusion: 'encoder-cross-attention' }).fusion).toBe('encoder-cross-attention')
    expect(() => PipelineParams.parse({ fusion: 'none' })).toThrow(/fusion/)
  })

  it('trains the blocks in pretraining and finetuning, reloads them with the run and uses them at inference and export', async () => {
    const { hf, init, workspace, ctx, backbone } = await importedTinyBackbone(7)
    init.dispose()
    const base = tinyHyperParams(backbone, { fusion: 'encoder-cross-attention' }, 3)
    const pre = await runHyperPretrainStage(HyperPretrainParams.parse(base), ctx)
    const fine = await runHyperFinetuneStage(HyperFinetuneParams.parse({ ...base, pretrained: pre.runId, loss: { kl: null, ins: null } }), ctx)
    expect(workspace.runs.open(fine.runId).record.config).toMatchObject({ hyper: { fusion: 'encoder-cross-attention' } })

    // A run saved before fusion had modes spells it as a boolean; resuming it compares the config as it parses today.
    const legacy = await runHyperPretrainStage(HyperPretrainParams.parse(tinyHyperParams(backbone, {}, 1)), ctx)
    const legacyRun = workspace.runs.open(legacy.runId)
    legacyRun.update({ config: { ...legacyRun.record.config, hyper: { ...(legacyRun.record.config.hyper as object), fusion: true } } })
    const resumed = await runHyperPretrainStage(HyperPretrainParams.parse({ ...tinyHyperParams(backbone, {}, 1), resume: legacy.runId }), ctx)
    expect(resumed.runId).toBe(legacy.runId)
    const unfused = HyperPretrainParams.parse({ ...tinyHyperParams(backbone, { fusion: 'none' }, 1), resume: legacy.runId })
    await expect(runHyperPretrainStage(unfused, ctx)).rejects.toThrow(/another config \(differs in: hyper\)/)

    const loaded = await loadHyperRun(workspace, fine.runId)
    const o = loaded.hyper.variables.get('encoder_fusion.block.0.o.weight')!
    expect(tf.tidy(() => o.abs().max().dataSync()[0]!)).toBeGreaterThan(0) // trained away from its zero init

    const options = { hyper: loaded.hyper, model: loaded.model, tokenizer: loaded.tokenizer, maxInstructionTokens: 32 }
    const conditioning = generateTaskConditioning(options, 'Answer with the first word of the sentence.')
    const memory = conditioning.extraMemory!
    expect(memory.encoderFusion?.get('encoder_fusion.block.0.o.weight')).toBe(o)
    const ids = tf.tensor2d([[5, 6, 7, 1]], undefined, 'int32')
    const mask = tf.onesLike(ids) as tf.Tensor2D
    const plain = loaded.model.encode(ids, mask)
    const fused = loaded.model.encode(ids, mask, { extraMemory: memory })
    expect(tf.tidy(() => tf.sub(plain, fused).abs().max().dataSync()[0]!)).toBeGreaterThan(0)
    const generated = await loaded.model.generate({ inputIds: ids, attentionMask: mask }, { maxNewTokens: 3, extraMemory: memory })
    expect(generated[0]!.length).toBeGreaterThan(0)

    const out = join(mkdtempSync(join(tmpdir(), 'export-')), 'adapter')
    const instruction = { definition: 'Answer with the first word of the sentence.', examples: [] }
    saveGeneratedAdapter(out, conditioning, hf, { hyper: fine.runId, backbone, instruction, instructionText: instruction.definition, rank: 2, generationMs: 1 })
    const exported = readSafetensors(join(out, INSTRUCTION_MEMORY_FILE)).tensors
    const innerDim = loaded.model.config.numHeads * loaded.model.config.dKv
    expect(exported.get('encoder_fusion.block.0.q.weight')?.shape).toEqual([innerDim, loaded.model.config.dModel]) // Hugging Face (out, in)
    expect(exported.has('states')).toBe(true)

    tf.dispose([ids, mask, plain, fused])
    disposeConditioning(conditioning)
    loaded.dispose()
  }, 180_000)
})
