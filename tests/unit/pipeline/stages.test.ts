/** Stage entry points: a Hugging Face checkpoint as the backbone, and clear errors for bad requests. */
import { beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../../../src-main/engine/backend/index.ts'
import { T5Model, t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { Rng } from '../../../src-main/engine/data/random.ts'
import { backboneStep } from '../../../src-main/engine/stages/backbone.ts'
import {
  BackboneParams,
  HyperFinetuneParams,
  MODEL_DIR,
  runBackboneStage,
  runHyperFinetuneStage,
  runTeacherStage,
  TeacherParams,
} from '../../../src-main/engine/stages/index.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import { trainTokenizer } from '../../../src-main/engine/tokenizers/index.ts'
import { SAMPLE, ctxFor } from './helpers.ts'

beforeAll(async () => {
  await initBackend()
})

describe('stages', () => {
  it('takes a Hugging Face T5 folder from disk as the backbone, unchanged', async () => {
    const hf = mkdtempSync(join(tmpdir(), 'hf-'))
    const tokenizer = trainTokenizer(['a tiny corpus of words for a tiny tokenizer', 'more words here'], { vocabSize: 160 })
    const model = T5Model.init(t5Preset('tiny', tokenizer.vocabSize), 5)
    model.save(hf)
    tokenizer.save(hf)
    const workspaceDir = mkdtempSync(join(tmpdir(), 'ws-'))
    const result = await runBackboneStage(BackboneParams.parse({ dataset: SAMPLE, fromCheckpoint: hf }), ctxFor(workspaceDir))
    const run = new Workspace(workspaceDir).runs.open(result.runId)
    expect(run.record).toMatchObject({ stage: 'backbone', status: 'completed', config: { fromCheckpoint: hf }, parents: { dataset: SAMPLE } })
    expect(readFileSync(run.path(join(MODEL_DIR, 'model.safetensors')))).toEqual(readFileSync(join(hf, 'model.safetensors')))
    model.dispose()
  })

  it('builds backbone batches of span corruption, reconstruction or prefix LM as configured', () => {
    const tokenizer = trainTokenizer(['red fish blue fish one two three four five six seven'], { vocabSize: 160 })
    const model = T5Model.init(t5Preset('tiny', tokenizer.vocabSize), 5)
    const corpus = ['red fish blue fish one two three four five six seven']
    const text = tokenizer.encode(corpus[0]!, { addEos: false })
    const labelsOf = (reconstruction: number, spanCorruption: number) => {
      const step = backboneStep(model, tokenizer, corpus, { maxTokens: 64, spanCorruption, reconstruction })
      const batch = step.makeBatch([0], new Rng(3))
      const labels = (batch.labels.arraySync() as number[][])[0]!
      const inputs = (batch.inputIds.arraySync() as number[][])[0]!
      step.disposeBatch(batch)
      return { labels, inputs }
    }
    // Reconstruction: sentinels in the input, the whole text as the target.
    const rebuilt = labelsOf(1, 0)
    expect(rebuilt.labels).toEqual([...text, tokenizer.eosId])
    expect(rebuilt.inputs.some((id) => id === tokenizer.sentinelId(0))).toBe(true)
    // Span corruption: the target holds sentinels and the dropped spans only.
    const corrupted = labelsOf(0, 1)
    expect(corrupted.labels[0]).toBe(tokenizer.sentinelId(0))
    expect(corrupted.labels.filter((id) => id !== 0).length).toBeLessThan(text.length)
    // Prefix LM: input + target is the text itself.
    const prefix = labelsOf(0, 0)
    const inputText = prefix.inputs.filter((id) => id !== 0 && id !== tokenizer.eosId)
    const targetText = prefix.labels.filter((id) => id !== 0 && id !== tokenizer.eosId)
    expect([...inputText, ...targetText]).toEqual(text)
    model.dispose()
  })

  it('names the problem: unknown dataset, missing split, unknown group, every loss off', async () => {
    const workspaceDir = mkdtempSync(join(tmpdir(), 'ws-'))
    const ctx = ctxFor(workspaceDir)
    await expect(runBackboneStage(BackboneParams.parse({ dataset: 'no-such-dataset' }), ctx)).rejects.toThrow(/dataset 'no-such-dataset' is neither 'suite', a folder, nor a dataset/)
    await expect(runBackboneStage(BackboneParams.parse({ dataset: join(SAMPLE, 'train') }), ctx)).rejects.toThrow(/has no train\/test split/)
    await expect(runTeacherStage(TeacherParams.parse({ dataset: SAMPLE, backbone: 'run-x', group: 'Poetry' }), ctx)).rejects.toThrow(/no training task of group 'Poetry'.*groups: /)
    const off = HyperFinetuneParams.parse({ backbone: 'run-x', loss: { labels: false, kl: null, ins: null } })
    await expect(runHyperFinetuneStage(off, ctx)).rejects.toThrow(/every loss term is off/)
    const codeTeacher = HyperFinetuneParams.parse({ backbone: 'run-x', teachers: ['run-t'], loss: { kl: { teacher: 'metatrain' } } })
    await expect(runHyperFinetuneStage(codeTeacher, ctx)).rejects.toThrow(/'metatrain' KL teacher needs the metatrain run/)
    expect(() => HyperFinetuneParams.parse({ backbone: 'run-x', loss: { ins: { orientation: 'sideways' } } })).toThrow(/orientation/)
  })
})
