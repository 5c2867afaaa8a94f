/**
 * The Playground's methods (contract/playground.ts). A try is TAGI at inference (tagi-method.md §1 step 4):
 * one hypernetwork pass over the user's instruction (engine/playground `generateFromInstruction`, the path
 * `tagi adapter generate` uses), then greedy answers through the evaluator's own predictor
 * (eval/t5-predictor.ts) with the inputs each method reads in the pipeline's evaluation (stages/evaluate.ts):
 *
 *   backbone    the backbone alone, reading the instance input only
 *   generated   backbone + the generated adapter (+ fused instruction states), instance input only
 *   teacher     backbone + the teacher LoRA nearest to the generated one (rankNearest), full prompt
 *   metatrain   the meta-trained model of the same pipeline, full prompt
 *
 * Requests are async and yield to the event loop between answers, so the host keeps serving (and a
 * training job keeps stepping) while a try runs; Playground requests queue behind each other.
 */
import { readdirSync } from 'node:fs'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  StudioError,
  type ExportResult,
  type GenerationResult,
  type PlaygroundAnswer,
  type PlaygroundMethod,
  type PlaygroundMethodInfo,
  type PlaygroundRunResult,
  type SavedInstruction,
} from '../../contract/index.ts'
import { frobeniusNorm, lowRankSet, rankNearest } from '../../engine/analysis/index.ts'
import { tf } from '../../engine/backend/index.ts'
import type { SniTask } from '../../engine/data/sni/task.ts'
import { conditioningForBatch, disposeBatchConditioning, disposeConditioning, staticAdapterSource, type AdapterSource, type TaskConditioning } from '../../engine/eval/conditioning.ts'
import { encodeTruncated, padBatch } from '../../engine/eval/model-io.ts'
import { T5Predictor, type EvalInputMode } from '../../engine/eval/t5-predictor.ts'
import type { StudentInputMode } from '../../engine/data/index.ts'
import type { LoraSet } from '../../engine/models/lora/index.ts'
import type { T5Model } from '../../engine/models/t5/index.ts'
import { checkInstruction, generateFromInstruction, instructionId, saveGeneratedAdapter, type SavedInstruction as StoredInstruction } from '../../engine/playground/index.ts'
import { MODEL_DIR } from '../../engine/stages/index.ts'
import type { PromptOptions } from '../../engine/stages/examples.ts'
import type { TextTokenizer } from '../../engine/tokenizers/index.ts'
import { listHypernetworks, type PlaygroundModels } from './playground-models.ts'
import { playgroundSession, type Generation, type PlaygroundSession } from './playground-session.ts'
import type { DomainService } from './types.ts'

// The contract repeats the stored instruction's shape (it cannot import the engine); this fails to compile if they drift.
const sameInstruction: [StoredInstruction, SavedInstruction] extends [SavedInstruction, StoredInstruction] ? true : never = true
void sameInstruction

/** A copy of a generation's conditioning: `answer` releases what a source hands out once it has answered. */
function cloneConditioning(conditioning: TaskConditioning): TaskConditioning {
  const adapters: LoraSet = new Map()
  for (const [id, lora] of conditioning.adapters ?? []) adapters.set(id, { ...lora, A: tf.clone(lora.A), B: tf.clone(lora.B) } as typeof lora)
  const memory = conditioning.extraMemory
  return { adapters, extraMemory: memory ? { ...memory, states: tf.clone(memory.states), mask: tf.clone(memory.mask) } : undefined }
}

interface Answerer {
  model: T5Model
  tokenizer: TextTokenizer
  input: EvalInputMode
  /** What the student encoder reads in 'instance' mode: the hypernetwork run's own choice. */
  studentInput?: StudentInputMode
  source?: AdapterSource<SniTask>
}

interface Answer {
  text: string
  raw: string
  tokens: number
  ms: number
}

/**
 * One greedy answer. The encoder text is the evaluator's (T5Predictor.sourceText: student input or full
 * prompt); the decode is kept both without special tokens (what evaluation scores) and with them, because
 * an undertrained model often answers in sentinels or a bare EOS, which the plain text would hide.
 */
async function answer(who: Answerer, task: SniTask, input: string, prompt: PromptOptions, maxNewTokens: number): Promise<Answer> {
  const predictor = new T5Predictor(who.model, who.tokenizer, { input: who.input, studentInput: who.studentInput ?? 'input', setting: prompt.setting, maxSourceTokens: prompt.maxSourceTokens, maxNewTokens, batchSize: 1 })
  const t0 = performance.now()
  const conditioning = who.source ? await who.source.adapterForTask(task) : undefined
  const source = encodeTruncated(who.tokenizer, predictor.sourceText(task, input), prompt.maxSourceTokens)
  const { ids, mask } = padBatch([source], who.tokenizer.padId) // (1, S)
  const batch = conditioningForBatch(conditioning, 1)
  try {
    const [generated] = await who.model.generate({ inputIds: ids, attentionMask: mask }, { maxNewTokens, adapters: batch.adapters, extraMemory: batch.extraMemory })
    const tokens = generated ?? []
    return {
      text: who.tokenizer.decode(tokens, { skipSpecialTokens: true }),
      raw: who.tokenizer.decode(tokens, { skipSpecialTokens: false }),
      tokens: tokens.length,
      ms: performance.now() - t0,
    }
  } finally {
    tf.dispose([ids, mask])
    disposeBatchConditioning(batch)
    disposeConditioning(conditioning)
  }
}

/** Each method's answerer, or why it cannot answer with these models. */
function answerers(models: PlaygroundModels, generation: Generation): Record<PlaygroundMethod, { info: PlaygroundMethodInfo; who: Answerer | null; unavailable: string | null }> {
  const { backbone, hyperRun, metatrain, info } = models
  const nearest = generation.result.nearest[0]
  const teacher = nearest ? models.teachers.find((t) => t.run === nearest.run) : undefined
  const fused = { 'decoder-concat': ' and the fused instruction states', 'encoder-cross-attention': ' and the instruction states fused into encoder and decoder', none: '' }[info.fusion]
  return {
    backbone: {
      info: { method: 'backbone', label: 'Backbone alone', detail: 'reads the input only; no adapter', run: info.backbone },
      who: { ...backbone, input: 'instance' },
      unavailable: null,
    },
    generated: {
      info: { method: 'generated', label: 'Backbone + generated adapter', detail: `reads the input only; the generated adapter${fused} carry the instruction`, run: info.id },
      who: { model: hyperRun.model, tokenizer: hyperRun.tokenizer, input: 'instance', studentInput: hyperRun.studentInput, source: { adapterForTask: async () => cloneConditioning(generation.conditioning) } },
      unavailable: null,
    },
    teacher: {
      info: { method: 'teacher', label: teacher ? `Backbone + nearest teacher (${teacher.group})` : 'Backbone + nearest teacher', detail: 'reads the full prompt (definition, examples, input) with the teacher LoRA', run: teacher?.run ?? null },
      who: teacher ? { ...backbone, input: 'full-prompt', source: staticAdapterSource(teacher.adapter) as AdapterSource<SniTask> } : null,
      unavailable: teacher ? null : (models.missing.teachers ?? 'the nearest teacher of this generation is no longer loaded; generate again'),
    },
    metatrain: {
      info: { method: 'metatrain', label: 'Meta-trained model', detail: 'reads the full prompt (definition, examples, input); every weight finetuned', run: info.metatrain },
      who: metatrain ? { ...metatrain, input: 'full-prompt' } : null,
      unavailable: metatrain ? null : models.missing.metatrain,
    },
  }
}

function newGenerationId(): string {
  return `gen-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}

function suggestedExportDir(session: PlaygroundSession, definition: string): string {
  const words = definition.split(/\s+/).slice(0, 5).join(' ')
  let slug = 'adapter'
  try {
    slug = instructionId(words)
  } catch {
    // a definition without letters or digits keeps the generic name
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return resolve(session.savedAdaptersDir, `${slug}-${stamp}`)
}

async function generate(session: PlaygroundSession, hyper: string, instruction: GenerationResult['instruction']): Promise<GenerationResult> {
  try {
    checkInstruction(instruction)
  } catch (error) {
    throw new StudioError('invalid-params', (error as Error).message)
  }
  const { models, loadMs } = await session.models.get(hyper)
  const generated = generateFromInstruction(models.hyperRun, instruction)
  const lowRank = lowRankSet(generated.conditioning.adapters!)
  const candidates = models.teachers.map((t) => ({ name: t.run, adapter: session.lowRankOfDir(t.dir) }))
  const ranking = candidates.length > 0 ? rankNearest(lowRank, candidates).ranking : []
  const groupOf = new Map(models.teachers.map((t) => [t.run, t.group]))
  const result: GenerationResult = {
    id: newGenerationId(),
    hyper,
    backbone: models.info.backbone,
    instruction,
    instructionText: generated.text,
    instructionTokens: Math.min(models.hyperRun.tokenizer.encode(generated.text).length, models.hyperRun.prompt.maxSourceTokens),
    generationMs: generated.generationMs,
    loadMs,
    modules: lowRank.size,
    rank: models.hyperRun.hyper.config.rank,
    fusion: models.hyperRun.hyper.config.fusion,
    norm: Math.sqrt([...lowRank.values()].reduce((sum, u) => sum + frobeniusNorm(u) ** 2, 0)),
    nearest: ranking.map(({ rank, name, meanCosine, weightedCosine, globalCosine, normRatio }) => ({ rank, run: name, group: groupOf.get(name) ?? name, meanCosine, weightedCosine, globalCosine, normRatio })),
    createdAt: new Date().toISOString(),
    suggestedExportDir: suggestedExportDir(session, instruction.definition),
  }
  session.addGeneration({ result, task: generated.task, prompt: generated.prompt, conditioning: generated.conditioning, lowRank, exportedTo: null })
  return result
}

function exportGeneration(session: PlaygroundSession, generation: Generation, out: string): ExportResult {
  const dir = resolve(session.workspace.root, out)
  const { result } = generation
  const saved = saveGeneratedAdapter(dir, generation.conditioning, session.workspace.runs.open(result.backbone).path(MODEL_DIR), {
    hyper: result.hyper,
    backbone: result.backbone,
    instruction: result.instruction,
    instructionText: result.instructionText,
    rank: result.rank,
    generationMs: result.generationMs,
  })
  session.recordExport(generation, saved.out)
  return { out: saved.out, modules: saved.modules, rank: saved.rank, instructionMemory: saved.instructionMemory, files: readdirSync(saved.out).sort() }
}

/** A try: every chosen method answers every input, yielding to the event loop between answers. */
async function runTry(session: PlaygroundSession, id: string, inputs: string[], maxNewTokens: number, methods: PlaygroundMethod[]): Promise<PlaygroundRunResult> {
  const generation = session.generation(id)
  const { models, loadMs } = await session.models.get(generation.result.hyper)
  const table = answerers(models, generation)
  const rows: { input: string; answers: PlaygroundAnswer[] }[] = []
  for (const input of inputs) {
    const answers: PlaygroundAnswer[] = []
    for (const method of methods) {
      const { who, unavailable } = table[method]
      await yieldToEventLoop() // let other requests and the running job in between answers
      if (!who) {
        answers.push({ method, text: null, raw: null, tokens: 0, ms: 0, unavailable })
        continue
      }
      try {
        answers.push({ method, ...(await answer(who, generation.task, input, generation.prompt, maxNewTokens)), unavailable: null })
      } catch (error) {
        answers.push({ method, text: null, raw: null, tokens: 0, ms: 0, unavailable: `engine error: ${(error as Error).message}` })
      }
    }
    rows.push({ input, answers })
  }
  return { generation: id, maxNewTokens, methods: methods.map((m) => table[m].info), rows, loadMs }
}

export const playgroundService: DomainService = (context) => {
  // Opened on first use: the host must come up (and report a bad workspace per request) before any is touched.
  const session = () => playgroundSession(context)
  const instructionList = () => ({ ...session().instructions.list(), dir: session().instructions.dir })
  return {
    'playground.hypernetworks': () => listHypernetworks(session().workspace),
    'playground.generate': ({ hyper, instruction }) => session().exclusive(() => generate(session(), hyper, instruction)),
    'playground.run': ({ generation, inputs, maxNewTokens, methods }) => session().exclusive(() => runTry(session(), generation, inputs, maxNewTokens, methods)),
    'playground.export': ({ generation, out }) => session().exclusive(async () => exportGeneration(session(), session().generation(generation), out)),
    'playground.instructions': () => instructionList(),
    'playground.saveInstruction': (draft) => {
      try {
        return session().instructions.save(draft)
      } catch (error) {
        throw new StudioError('invalid-params', (error as Error).message)
      }
    },
    'playground.deleteInstruction': ({ id }) => {
      try {
        session().instructions.delete(id)
      } catch (error) {
        throw new StudioError('not-found', (error as Error).message)
      }
      return instructionList()
    },
  }
}
