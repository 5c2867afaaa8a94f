// The Playground domain against an in-process engine host, on a tiny pipeline trained on the SNI sample:
// the hypernetwork list with its pipeline's runs, generation (timing, nearest teachers, cached models and
// their reload when a run changes), side-by-side answers checked against the evaluator's own path, export
// checked against the in-memory adapter, saved instructions, and typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../../../src-main/engine/backend/index.ts'
import type { SniTask } from '../../../src-main/engine/data/sni/task.ts'
import { T5Predictor } from '../../../src-main/engine/eval/t5-predictor.ts'
import { hyperAdapterSource } from '../../../src-main/engine/models/hyper/index.ts'
import type { AdapterComparisonResult, GenerationResult, HypernetworkList, InstructionList, PlaygroundRunResult, SavedInstruction } from '../../../src-main/contract/index.ts'
import type { EngineHost } from '../../../src-main/host/index.ts'
import { instructionTask, instructionPrompt, GENERATION_FILE } from '../../../src-main/engine/playground/index.ts'
import { instructionText, loadHyperRun } from '../../../src-main/engine/stages/index.ts'
import { loadRunModel } from '../../../src-main/engine/stages/common.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'
import { runTinyPipeline } from '../../e2e/helpers/tiny-pipeline.ts'
import { inProcessHost, studioClient } from './helpers.ts'

const workspace = mkdtempSync(join(tmpdir(), 'tagi-playground-'))
let host: EngineHost
let runs: Record<string, string>
let pipelineId: string

const { call, failure } = studioClient(() => host)

const CAPITALS = { definition: 'Given a country, answer with the name of its capital city.', examples: [{ input: 'France', output: 'Paris' }] }

beforeAll(async () => {
  await initBackend()
  const result = await runTinyPipeline(workspace)
  runs = result.results.runs
  pipelineId = result.runId
  host = inProcessHost(workspace)
}, 180_000)
afterAll(async () => {
  await host?.dispose()
  rmSync(workspace, { recursive: true, force: true })
})

describe('playground service', () => {
  it('lists the completed hypernetworks with the teachers and meta-train run of their pipeline', async () => {
    const { hypernetworks } = await call<HypernetworkList>('playground.hypernetworks')
    const finetuned = hypernetworks.find((h) => h.id === runs['hyper-finetune'])!
    const teacherRuns = Object.entries(runs).filter(([key]) => key.startsWith('teacher:'))
    expect(finetuned).toMatchObject({ stage: 'hyper-finetune', backbone: runs.backbone, metatrain: runs.metatrain, pipeline: pipelineId, rank: 4, fusion: 'decoder-concat' })
    expect(finetuned.teachers.map((t) => t.run).sort()).toEqual(teacherRuns.map(([, id]) => id).sort())
    expect(finetuned.teachers.map((t) => t.group).sort()).toEqual(teacherRuns.map(([key]) => key.slice('teacher:'.length)).sort())
    // The pretraining run has no teachers of its own: they come from its pipeline.
    const pretrained = hypernetworks.find((h) => h.id === runs['hyper-pretrain'])!
    expect(pretrained.teachers).toHaveLength(teacherRuns.length)
    expect(hypernetworks.some((h) => h.id === runs.backbone)).toBe(false)
  })

  let generation: GenerationResult
  it('generates an adapter from an instruction, timed, with its teachers ranked', async () => {
    generation = await call<GenerationResult>('playground.generate', { hyper: runs['hyper-finetune'], instruction: CAPITALS })
    expect(generation).toMatchObject({ hyper: runs['hyper-finetune'], backbone: runs.backbone, modules: 12, rank: 4, fusion: 'decoder-concat' })
    expect(generation.generationMs).toBeGreaterThan(0)
    expect(generation.loadMs).toBeGreaterThan(0) // first use loads the models
    expect(generation.norm).toBeGreaterThan(0)
    expect(generation.instructionText).toBe('Definition: Given a country, answer with the name of its capital city.\n\n Positive Example 1 -\nInput: France.\n Output: Paris.\n\n')
    const cosines = generation.nearest.map((n) => n.meanCosine!)
    expect(generation.nearest).toHaveLength(8)
    expect([...cosines].sort((a, b) => b - a)).toEqual(cosines)
    expect(generation.nearest[0]!.rank).toBe(1)
    expect(generation.suggestedExportDir.startsWith(join(workspace, 'adapters', 'given-a-country-answer-with-'))).toBe(true)

    const again = await call<GenerationResult>('playground.generate', { hyper: runs['hyper-finetune'], instruction: { definition: 'Reverse the order of the words.', examples: [] } })
    expect(again.loadMs).toBe(0) // the models stayed loaded
    expect(again.id).not.toBe(generation.id)
    expect(again.instructionText).toBe('Definition: Reverse the order of the words.\n\n')
    expect(again.norm).not.toBeCloseTo(generation.norm, 6) // another instruction, another adapter
  })

  it('answers side by side exactly as the evaluator does', async () => {
    const inputs = ['Germany', 'the cat sat on the mat']
    const result = await call<PlaygroundRunResult>('playground.run', { generation: generation.id, inputs, maxNewTokens: 8 })
    expect(result.methods.map((m) => m.method)).toEqual(['backbone', 'generated', 'teacher', 'metatrain'])
    expect(result.methods[2]!.run).toBe(generation.nearest[0]!.run)
    expect(result.rows.map((r) => r.input)).toEqual(inputs)
    for (const row of result.rows) {
      for (const answer of row.answers) {
        expect(answer.unavailable).toBeNull()
        expect(answer.ms).toBeGreaterThan(0)
        expect(answer.tokens).toBeGreaterThan(0)
        expect(answer.raw!.length).toBeGreaterThanOrEqual(answer.text!.length)
      }
    }
    // The same answers through the evaluation stage's own path (stages/evaluate.ts): a hypernetwork source
    // reading the instance input, and the backbone alone.
    const ws = new Workspace(workspace)
    const hyperRun = await loadHyperRun(ws, runs['hyper-finetune']!)
    const backbone = await loadRunModel(ws, runs.backbone!, ['backbone'])
    try {
      const task: SniTask = instructionTask(CAPITALS)
      const prompt = instructionPrompt(hyperRun.prompt, CAPITALS)
      const evalTask = { name: task.name, category: '', source: task, instances: inputs.map((input, i) => ({ id: String(i), input, references: [] })) }
      const config = { input: 'instance' as const, setting: prompt.setting, maxSourceTokens: prompt.maxSourceTokens, maxNewTokens: 8, batchSize: 1 }
      const source = hyperAdapterSource({ hyper: hyperRun.hyper, model: hyperRun.model, tokenizer: hyperRun.tokenizer, instructionOf: (t: SniTask) => instructionText(t, prompt, hyperRun.tokenizer), maxInstructionTokens: hyperRun.prompt.maxSourceTokens })
      const generated = await new T5Predictor(hyperRun.model, hyperRun.tokenizer, config, source).predictTask(evalTask)
      const alone = await new T5Predictor(backbone.model, backbone.tokenizer, config).predictTask(evalTask)
      expect(result.rows.map((r) => r.answers[1]!.text)).toEqual(generated.predictions)
      expect(result.rows.map((r) => r.answers[0]!.text)).toEqual(alone.predictions)
    } finally {
      hyperRun.dispose()
      backbone.model.dispose()
    }
    const only = await call<PlaygroundRunResult>('playground.run', { generation: generation.id, inputs: ['Spain'], methods: ['generated'] })
    expect(only.rows[0]!.answers.map((a) => a.method)).toEqual(['generated'])
  })

  it('exports the generated adapter as the PEFT folder `tagi adapter generate` writes', async () => {
    const out = join('adapters', 'capitals')
    const exported = await call<{ out: string; files: string[]; modules: number }>('playground.export', { generation: generation.id, out })
    expect(exported.out).toBe(join(workspace, out)) // relative paths resolve against the workspace
    expect(exported.files).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'instruction_memory.safetensors', GENERATION_FILE])
    const config = JSON.parse(readFileSync(join(exported.out, 'adapter_config.json'), 'utf8'))
    expect(config).toMatchObject({ peft_type: 'LORA', task_type: 'SEQ_2_SEQ_LM', r: 4, lora_alpha: 4, target_modules: ['q', 'v'] })
    const provenance = JSON.parse(readFileSync(join(exported.out, GENERATION_FILE), 'utf8'))
    expect(provenance).toMatchObject({ hyper: runs['hyper-finetune'], backbone: runs.backbone, instruction: CAPITALS })
    // The folder holds the same update as the generation in memory (orientation and scaling right).
    const same = await call<AdapterComparisonResult>('adapters.compare', { a: { kind: 'generation', id: generation.id }, b: { kind: 'folder', path: exported.out } })
    expect(same.summary.globalCosine).toBeCloseTo(1, 5)
    expect(same.summary.normRatio).toBeCloseTo(1, 5)

    const cluttered = join(workspace, 'not-empty')
    mkdirSync(cluttered)
    writeFileSync(join(cluttered, 'notes.txt'), 'mine')
    const refused = await failure('playground.export', { generation: generation.id, out: cluttered })
    expect(refused.message).toContain('is not empty and is not an adapter folder (found notes.txt)')
  })

  it('reloads the models when a run they come from changes', async () => {
    const ws = new Workspace(workspace)
    const teacher = ws.runs.open(generation.nearest[0]!.run)
    await new Promise((resolve) => setTimeout(resolve, 20)) // a later modification time than the loaded one
    teacher.update({ name: `${teacher.record.name} (renamed)` })
    const reloaded = await call<GenerationResult>('playground.generate', { hyper: runs['hyper-finetune'], instruction: CAPITALS })
    expect(reloaded.loadMs).toBeGreaterThan(0)
    expect(reloaded.norm).toBeCloseTo(generation.norm, 5) // same instruction, same hypernetwork: same adapter
  })

  it('saves, lists, updates and deletes instructions as workspace files', async () => {
    const saved = await call<SavedInstruction>('playground.saveInstruction', { name: 'Capital cities', ...CAPITALS, inputs: ['Germany'], hyper: runs['hyper-finetune'] })
    expect(saved.id).toBe('capital-cities')
    const file = join(workspace, 'instructions', 'capital-cities.json')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ name: 'Capital cities', definition: CAPITALS.definition, inputs: ['Germany'] })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const updated = await call<SavedInstruction>('playground.saveInstruction', { name: 'Capital cities', definition: 'Name the capital.', examples: [] })
    expect(updated.createdAt).toBe(saved.createdAt)
    expect(updated.updatedAt > saved.updatedAt).toBe(true)
    writeFileSync(join(workspace, 'instructions', 'broken.json'), '{"name": 3}')
    const list = await call<InstructionList>('playground.instructions')
    expect(list.instructions.map((i) => [i.id, i.definition])).toEqual([['capital-cities', 'Name the capital.']])
    expect(list.unreadable).toHaveLength(1)
    expect(list.unreadable[0]!.file).toBe('broken.json')
    expect((await failure('playground.saveInstruction', { name: '!!!', definition: 'x' })).message).toContain("has no letters or digits")
    const after = await call<InstructionList>('playground.deleteInstruction', { id: 'capital-cities' })
    expect(after.instructions).toEqual([])
    expect((await failure('playground.deleteInstruction', { id: 'capital-cities' })).code).toBe('not-found')
  })

  it('answers bad requests with errors that name the problem', async () => {
    expect(await failure('playground.generate', { hyper: runs['hyper-finetune'], instruction: { definition: '   ' } })).toMatchObject({ code: 'invalid-params', message: expect.stringContaining('the definition is empty') })
    expect(await failure('playground.generate', { hyper: runs['hyper-finetune'], instruction: { definition: 'x', examples: [{ input: 'a', output: '' }] } })).toMatchObject({ message: expect.stringContaining('example 1 needs both an input and an output') })
    expect((await failure('playground.generate', { hyper: runs['teacher:Question Answering'] ?? Object.values(runs).find((id) => id !== runs['hyper-finetune']), instruction: CAPITALS })).message).toMatch(/not a hypernetwork run/)
    expect((await failure('playground.generate', { hyper: 'run-missing', instruction: CAPITALS })).message).toContain("no run 'run-missing'")
    expect(await failure('playground.run', { generation: 'gen-unknown', inputs: ['x'] })).toMatchObject({ code: 'not-found', message: expect.stringContaining("no generation 'gen-unknown'") })
    expect((await failure('playground.run', { generation: generation.id, inputs: [] })).message).toContain('params.inputs')
    expect((await failure('playground.run', { generation: generation.id, inputs: ['x'], methods: ['oracle'] })).message).toContain('params.methods.0')
  })
})
