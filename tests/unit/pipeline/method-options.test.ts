/**
 * The method's named variants beside the defaults (decisions.md §1): the code's trainable set (point 7), the
 * code's student input (point 8), and the teacher LoRA's PEFT dropout (tagi-method.md §3.1).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { loadDataset, tasksOf } from '../../../src-main/engine/data/sni/loader.ts'
import { T5Predictor } from '../../../src-main/engine/eval/t5-predictor.ts'
import { loraLinear } from '../../../src-main/engine/models/lora/apply.ts'
import { T5Model, t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { buildInstanceExamples } from '../../../src-main/engine/stages/examples.ts'
import { HyperPretrainParams, runHyperPretrainStage } from '../../../src-main/engine/stages/hyper-pretrain.ts'
import { HyperFinetuneParams, loadHyperRun, MODEL_DIR, TeacherParams } from '../../../src-main/engine/stages/index.ts'
import { trainTokenizer } from '../../../src-main/engine/tokenizers/index.ts'
import { SAMPLE, importedTinyBackbone, tinyHyperParams } from './helpers.ts'

const PROMPT = { setting: 'def+2pos', maxSourceTokens: 160, maxTargetTokens: 32 } as const

beforeAll(async () => {
  await initBackend()
})

describe('method options', () => {
  it('keeps the paper defaults and rejects unknown variants by name', () => {
    expect(HyperFinetuneParams.parse({ backbone: 'b' })).toMatchObject({ trainable: 'hypernetwork', studentInput: 'input' })
    expect(HyperPretrainParams.parse({ backbone: 'b' }).trainable).toBe('hypernetwork')
    expect(TeacherParams.parse({ backbone: 'b', group: 'g' }).loraDropout).toBe(0.05)
    expect(() => HyperFinetuneParams.parse({ backbone: 'b', studentInput: 'prompt' })).toThrow(/studentInput/)
    expect(() => HyperPretrainParams.parse({ backbone: 'b', trainable: 'all' })).toThrow(/trainable/)
  })

  it('applies lora_dropout to the LoRA input only while training', () => {
    const x = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 1) as tf.Tensor3D // (N, S, in)
    const w = tf.randomNormal([8, 4], 0, 1, 'float32', 2) // (in, out)
    const A = tf.randomNormal([2, 8], 0, 1, 'float32', 3) as tf.Tensor2D // (r, in)
    const B = tf.randomNormal([4, 2], 0, 1, 'float32', 4) as tf.Tensor2D // (out, r)
    const plain = new Map([['m', { kind: 'static' as const, A, B, scale: 2 }]])
    const dropped = new Map([['m', { kind: 'static' as const, A, B, scale: 2, dropout: 0.5 }]])
    const reference = loraLinear(x, w, 'm', plain, true).arraySync()
    // Inference: dropout has no effect.
    expect(loraLinear(x, w, 'm', dropped, false).arraySync()).toEqual(reference)
    // Training: the LoRA branch sees a masked input, the base x·W does not.
    const trained = loraLinear(x, w, 'm', dropped, true)
    const diff = tf.sub(trained, reference).abs().max().dataSync()[0]!
    expect(diff).toBeGreaterThan(1e-3)
    const base = tf.reshape(tf.matMul(tf.reshape(x, [6, 8]), w), [2, 3, 4])
    // With A = 0 the branch vanishes whatever the mask: training output is exactly x·W.
    const zeroA = new Map([['m', { kind: 'static' as const, A: tf.zerosLike(A) as tf.Tensor2D, B, scale: 2, dropout: 0.5 }]])
    expect(tf.sub(loraLinear(x, w, 'm', zeroA, true), base).abs().max().dataSync()[0]).toBeLessThan(1e-5)
    tf.dispose([x, w, A, B, trained, base])
  })

  it('builds the student input from the input alone or from definition + input', async () => {
    const dataset = await loadDataset(SAMPLE, { instancesPerTask: 2 })
    const tasks = tasksOf(dataset, 'train').slice(0, 2)
    const tokenizer = trainTokenizer(tasks.flatMap((t) => [t.definition.join(' '), ...t.instances.map((i) => i.input)]), { vocabSize: 300 })
    const inputOnly = buildInstanceExamples(tasks, 'instance', PROMPT, tokenizer)
    const withDefinition = buildInstanceExamples(tasks, 'instance', PROMPT, tokenizer, 'definition+input')
    expect(withDefinition.every((example, i) => example.source.length > inputOnly[i]!.source.length)).toBe(true)

    const model = T5Model.init(t5Preset('tiny', tokenizer.vocabSize), 1)
    const task = tasks[0]!
    const input = task.instances[0]!.input
    const student = new T5Predictor(model, tokenizer, { input: 'instance', setting: 'def+2pos' })
    const codeStudent = new T5Predictor(model, tokenizer, { input: 'instance', setting: 'def+2pos', studentInput: 'definition+input' })
    const firstWords = task.definition[0]!.split(' ').slice(0, 4).join(' ')
    expect(student.sourceText(task, input)).not.toContain(firstWords)
    expect(codeStudent.sourceText(task, input)).toContain(firstWords)
    expect(codeStudent.sourceText(task, input)).toContain(input.slice(0, 20))
    expect(() => new T5Predictor(model, tokenizer, { input: 'instance', studentInput: 'prompt' as never })).toThrow(/studentInput 'prompt'/)
    model.dispose()
  })

  it("trains embeddings and norms with trainable 'code' and keeps that backbone with the run", async () => {
    const { init, workspace, ctx, backbone } = await importedTinyBackbone(5)
    const base = tinyHyperParams(backbone)
    const frozen = await runHyperPretrainStage(HyperPretrainParams.parse(base), ctx)
    const code = await runHyperPretrainStage(HyperPretrainParams.parse({ ...base, trainable: 'code' }), ctx)
    const runs = workspace.runs
    expect(existsSync(runs.open(frozen.runId).path(MODEL_DIR))).toBe(false)
    expect(existsSync(runs.open(code.runId).path(MODEL_DIR))).toBe(true)

    const loaded = await loadHyperRun(workspace, code.runId)
    expect(loaded.studentInput).toBe('input')
    const changed = (key: string) => tf.sub(loaded.model.weights().get(key)!, init.weights().get(key)!).abs().max().dataSync()[0]!
    expect(changed('shared.weight')).toBeGreaterThan(0)
    expect(changed('encoder.final_layer_norm.weight')).toBeGreaterThan(0)
    // Attention projections stay frozen.
    expect(changed('encoder.block.0.layer.0.SelfAttention.q.weight')).toBe(0)
    loaded.dispose()
    init.dispose()
  }, 120_000)
})
