/**
 * The evaluators on a real (tiny, random) T5 with a tokenizer trained on the fly: the option scorer agrees
 * with the model's own loss, rank classification picks an option the model was trained to prefer, batched
 * generation equals one-at-a-time generation, and a run on SNI sample tasks writes consistent files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src-main/engine/backend/index.ts'
import { corpusFromTasks } from '../../../src-main/engine/data/pretraining.ts'
import { loadDataset, tasksOf } from '../../../src-main/engine/data/sni/loader.ts'
import type { SniTask } from '../../../src-main/engine/data/sni/task.ts'
import type { AdapterSource } from '../../../src-main/engine/eval/conditioning.ts'
import { flopShapeFromT5Config, sequenceFlops } from '../../../src-main/engine/eval/flops.ts'
import { encodeTruncated, padBatch } from '../../../src-main/engine/eval/model-io.ts'
import { rankClassify } from '../../../src-main/engine/eval/rank-classification.ts'
import { rougeLMaxOverReferences } from '../../../src-main/engine/eval/rouge.ts'
import { runEvaluation } from '../../../src-main/engine/eval/runner.ts'
import { t5OptionScorer } from '../../../src-main/engine/eval/t5-option-scorer.ts'
import { evalTasksFromSni, T5Predictor } from '../../../src-main/engine/eval/t5-predictor.ts'
import { loraModuleIds, moduleDims, type LoraSet } from '../../../src-main/engine/models/lora/index.ts'
import { T5Model, t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import { trainTokenizer, type TextTokenizer } from '../../../src-main/engine/tokenizers/index.ts'

const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')
const root = mkdtempSync(join(tmpdir(), 'tagi-eval-t5-'))
let tokenizer: TextTokenizer
let model: T5Model
let testTasks: SniTask[]

beforeAll(async () => {
  await initBackend()
  const dataset = await loadDataset(SAMPLE, { instancesPerTask: 4 })
  testTasks = tasksOf(dataset, 'test')
  tokenizer = trainTokenizer(corpusFromTasks(dataset.tasks), { vocabSize: 400 })
  model = T5Model.init(t5Preset('tiny', tokenizer.vocabSize), 7)
})

afterAll(() => {
  model?.dispose()
  rmSync(root, { recursive: true, force: true })
})

/** The model's own label cross-entropy for one (input, option) pair: the mean NLL of the option's tokens. */
function modelLoss(m: T5Model, input: string, option: string): number {
  const source = encodeTruncated(tokenizer, input, 512)
  const target = tokenizer.encode(option)
  return tf.tidy(() => {
    const { loss } = m.forward({
      inputIds: tf.tensor2d([source], undefined, 'int32'),
      attentionMask: tf.ones([1, source.length], 'int32'),
      decoderInputIds: tf.tensor2d([[m.config.decoderStartTokenId, ...target.slice(0, -1)]], undefined, 'int32'),
      labels: tf.tensor2d([target], undefined, 'int32'),
    })
    return loss!
  }).dataSync()[0]!
}

describe('T5 option scorer', () => {
  it("equals the model's per-token loss for each option, whatever the padding of the batch", async () => {
    const scorer = t5OptionScorer(model, tokenizer, undefined, { rowsPerBatch: 3 })
    const inputs = ['Is the sky blue?', 'Pick the animal: a cat or a stone, a much longer question here.']
    const options = [['yes', 'no', 'a much longer answer option'], ['cat', 'stone']]
    const before = tf.memory().numTensors
    const scores = await scorer(inputs, options)
    expect(tf.memory().numTensors).toBe(before)
    expect(scores.map((s) => s.length)).toEqual([3, 2])
    inputs.forEach((input, i) =>
      options[i]!.forEach((option, k) => expect(scores[i]![k]!).toBeCloseTo(modelLoss(model, input, option), 4)),
    )
  })

  it('rank classification picks an option the model was trained to prefer', async () => {
    const trained = T5Model.init(t5Preset('tiny', tokenizer.vocabSize), 11)
    const input = 'Which colour is grass?'
    const options = ['red', 'green', 'blue']
    const scorer = t5OptionScorer(trained, tokenizer)
    const untrained = (await scorer([input], [options]))[0]!
    // Force 'blue' (whatever the random model liked before) with a few steps of Adam on that one answer.
    const source = tokenizer.encode(input)
    const target = tokenizer.encode('blue')
    const optimizer = tf.train.adam(0.01)
    const variables = [...trained.weights().values()]
    for (let step = 0; step < 15; step++) {
      tf.tidy(() => {
        optimizer.minimize(
          () =>
            trained.forward({
              inputIds: tf.tensor2d([source], undefined, 'int32'),
              attentionMask: tf.ones([1, source.length], 'int32'),
              decoderInputIds: tf.tensor2d([[trained.config.decoderStartTokenId, ...target.slice(0, -1)]], undefined, 'int32'),
              labels: tf.tensor2d([target], undefined, 'int32'),
            }).loss!,
          false,
          variables,
        )
      })
    }
    optimizer.dispose()
    const result = await rankClassify(scorer, [{ input, options, gold: 'blue' }])
    expect(result.predictions[0]!.prediction).toBe('blue')
    expect(result.accuracy).toBe(1)
    expect(result.predictions[0]!.scores[2]!).toBeLessThan(untrained[2]!)
    trained.dispose()
  })
})

describe('T5 predictor and the evaluation runner', () => {
  it('pads and batches without changing greedy outputs', async () => {
    const tasks = evalTasksFromSni(testTasks.slice(0, 1), 4)
    const oneByOne = await new T5Predictor(model, tokenizer, { maxNewTokens: 5, batchSize: 1, maxSourceTokens: 256 }).predictTask(tasks[0]!)
    const batched = await new T5Predictor(model, tokenizer, { maxNewTokens: 5, batchSize: 4, maxSourceTokens: 256 }).predictTask(tasks[0]!)
    expect(batched.predictions).toEqual(oneByOne.predictions)
    expect(batched.flops).toBe(oneByOne.flops)
    expect(batched.flops).toBeGreaterThan(0)
  })

  it('builds the encoder text from the prompt setting and input mode', () => {
    const task = testTasks[0]!
    const full = new T5Predictor(model, tokenizer, { input: 'full-prompt', setting: 'def+2pos' }).sourceText(task, 'x y')
    const alone = new T5Predictor(model, tokenizer, { input: 'instance' }).sourceText(task, 'x y')
    expect(full.startsWith('Definition: ')).toBe(true)
    expect(full).toContain(' Positive Example 1 -\nInput: ')
    expect(full.endsWith('Now complete the following example -\nInput: x y.\nOutput: ')).toBe(true)
    expect(alone).toBe('Now complete the following example -\nInput: x y.\nOutput: ')
    expect(() => new T5Predictor(model, tokenizer, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/)
    expect(() => new T5Predictor(model, tokenizer, { input: 'prompt' as never })).toThrow(/unknown input mode 'prompt'/)
  })

  it('applies a per-task adapter from an AdapterSource, counts its FLOPs, and frees its tensors', async () => {
    const tasks = evalTasksFromSni(testTasks.slice(0, 1), 3)
    const config = { input: 'instance' as const, maxNewTokens: 4, batchSize: 2, maxSourceTokens: 128 }
    const plain = await new T5Predictor(model, tokenizer, config).predictTask(tasks[0]!)
    // A batch-1 per-example adapter on every q/v module, as a hypernetwork emits; B = 0 leaves the model unchanged.
    const source = (bScale: number): AdapterSource<SniTask> => ({
      async adapterForTask() {
        const adapters: LoraSet = new Map()
        for (const id of loraModuleIds(model.config)) {
          const dims = moduleDims(model.config, id)
          adapters.set(id, {
            kind: 'per-example',
            A: tf.randomNormal([1, dims.in, 4], 0, 1, 'float32', 1),
            B: tf.tidy(() => tf.mul(tf.randomNormal([1, 4, dims.out], 0, 1, 'float32', 2), bScale)) as tf.Tensor3D,
            scale: 2,
          })
        }
        return { adapters, flops: 12345 }
      },
    })
    // Warm-up: the LoRA code caches its constant block masks per shape; every later tensor must be freed.
    await new T5Predictor(model, tokenizer, config, source(1)).predictTask(tasks[0]!)
    const before = tf.memory().numTensors
    const zero = await new T5Predictor(model, tokenizer, config, source(0)).predictTask(tasks[0]!)
    const strong = await new T5Predictor(model, tokenizer, config, source(5)).predictTask(tasks[0]!)
    expect(tf.memory().numTensors).toBe(before)
    expect(zero.predictions).toEqual(plain.predictions)
    expect(zero.flops).toBe(plain.flops + 12345)
    expect(strong.predictions).not.toEqual(plain.predictions)
  })

  it('prepends fused instruction states to the cross-attention memory and counts them in the FLOPs', async () => {
    const tasks = evalTasksFromSni(testTasks.slice(0, 1), 2)
    const config = { input: 'instance' as const, maxNewTokens: 4, batchSize: 2, maxSourceTokens: 128 }
    const plain = await new T5Predictor(model, tokenizer, config).predictTask(tasks[0]!)
    // 5 memory slots of which 3 are real: (1, 5, d) states and a (1, 5) mask.
    const memorySource: AdapterSource<SniTask> = {
      adapterForTask: async () => ({
        extraMemory: {
          states: tf.randomNormal([1, 5, model.config.dModel], 0, 3, 'float32', 4) as tf.Tensor3D,
          mask: tf.tensor2d([[1, 1, 1, 0, 0]], undefined, 'int32'),
        },
      }),
    }
    const before = tf.memory().numTensors
    const fused = await new T5Predictor(model, tokenizer, config, memorySource).predictTask(tasks[0]!)
    expect(tf.memory().numTensors).toBe(before)
    expect(fused.predictions).not.toEqual(plain.predictions)
    // With one new token per instance the decoder work is known exactly: the 3 real memory slots must be counted.
    const oneToken = { ...config, maxNewTokens: 1 }
    const counted = await new T5Predictor(model, tokenizer, oneToken, memorySource).predictTask(tasks[0]!)
    const predictor = new T5Predictor(model, tokenizer, oneToken)
    const sources = tasks[0]!.instances.map((i) => encodeTruncated(tokenizer, predictor.sourceText(tasks[0]!.source, i.input), 128))
    const expected = sequenceFlops(
      flopShapeFromT5Config(model.config),
      sources.map((s) => ({ encoderTokens: s.length, decoderTokens: 1, extraMemoryTokens: 3 })),
    )
    expect(counted.flops).toBe(expected)
    expect(counted.flops).toBeGreaterThan((await predictor.predictTask(tasks[0]!)).flops)
  })

  it('gives the same predictions with the adapter merged, static or per-example (and frees every tensor)', async () => {
    const tasks = evalTasksFromSni(testTasks.slice(0, 1), 3)
    const config = { input: 'instance' as const, maxNewTokens: 6, batchSize: 2, maxSourceTokens: 128 }
    const source: AdapterSource<SniTask> = {
      adapterForTask: async () => {
        const adapters: LoraSet = new Map()
        loraModuleIds(model.config).forEach((id, i) => {
          const dims = moduleDims(model.config, id)
          adapters.set(id, {
            kind: 'per-example',
            A: tf.randomNormal([1, dims.in, 4], 0, dims.in ** -0.5, 'float32', 30 + i),
            B: tf.randomNormal([1, 4, dims.out], 0, 0.3, 'float32', 60 + i),
            scale: 2,
          })
        })
        const states = tf.randomNormal([1, 5, model.config.dModel], 0, 3, 'float32', 9) as tf.Tensor3D
        return { adapters, extraMemory: { states, mask: tf.tensor2d([[1, 1, 1, 1, 0]]) } }
      },
    }
    const plain = await new T5Predictor(model, tokenizer, config).predictTask(tasks[0]!)
    const perExample = await new T5Predictor(model, tokenizer, { ...config, adapterMode: 'per-example' }, source).predictTask(tasks[0]!)
    expect(perExample.predictions).not.toEqual(plain.predictions)
    const before = tf.memory().numTensors
    for (const adapterMode of ['merged', 'static'] as const) {
      const out = await new T5Predictor(model, tokenizer, { ...config, adapterMode }, source).predictTask(tasks[0]!)
      expect(out, adapterMode).toEqual(perExample)
    }
    expect(tf.memory().numTensors).toBe(before)
    expect(() => new T5Predictor(model, tokenizer, { adapterMode: 'fused' as never })).toThrow(/unknown adapterMode 'fused', expected one of: merged, static, per-example/)
  })

  it('writes an eval run whose files agree with the predictions and the FLOPs formula', async () => {
    const workspace = new Workspace(root)
    const tasks = evalTasksFromSni(testTasks.slice(0, 2), 3)
    const predictor = new T5Predictor(model, tokenizer, { maxNewTokens: 6, batchSize: 3, maxSourceTokens: 256 })
    const report = await runEvaluation({ workspace, tasks, predictor, config: { ...predictor.config } })
    const run = workspace.runs.open(report.runId)
    expect(run.record).toMatchObject({ stage: 'eval', status: 'completed' })
    const lines = readFileSync(run.path('predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(6)
    for (const line of lines) expect(line.rougeL).toBeCloseTo(rougeLMaxOverReferences(line.prediction, line.references), 12)
    expect(report.overall.rougeL).toBeCloseTo((100 * lines.reduce((s, l) => s + l.rougeL, 0)) / 6, 10)

    // FLOPs of the first task recomputed from its token counts.
    const task = tasks[0]!
    const sources = task.instances.map((i) => encodeTruncated(tokenizer, predictor.sourceText(task.source, i.input), 256))
    const { ids, mask } = padBatch(sources, tokenizer.padId)
    const generated = await model.generate({ inputIds: ids, attentionMask: mask }, { maxNewTokens: 6 })
    tf.dispose([ids, mask])
    const expected = sequenceFlops(
      flopShapeFromT5Config(model.config),
      sources.map((s, i) => ({ encoderTokens: s.length, decoderTokens: generated[i]!.length })),
    )
    expect(report.perTask[0]!.flops).toBe(expected)
    const csv = readFileSync(run.path('scores.csv'), 'utf8').trim().split('\n')
    expect(csv).toHaveLength(3)
    expect(readFileSync(run.path('per_category.csv'), 'utf8').trim().split('\n').length).toBe(1 + report.perCategory.length)
  })
})
