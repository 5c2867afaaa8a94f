/**
 * The Playground domain: author an instruction (a definition and optional positive examples, as an SNI task
 * has them), let a trained hypernetwork generate its adapter (TAGI at inference, tagi-method.md §1 step 4),
 * and read the answers side by side: the backbone alone, the backbone + the generated adapter (with the
 * instruction fused as the hypernetwork was trained), the backbone + the nearest teacher LoRA, and the
 * meta-trained model reading the full prompt, each with its wall time. Instructions are saved as workspace
 * files; a generated adapter is exported as a PEFT folder (the same code path as `tagi adapter generate`).
 * Shared with the renderer: no Node imports.
 */
import { z } from 'zod'

// Declared here, not imported from protocol.ts: protocol.ts imports this file (no import cycle).
const NoParams = z.strictObject({}).optional()
const RunId = z.string().min(1).describe('a hypernetwork run id (hyper-finetune or hyper-pretrain), as `playground.hypernetworks` lists them')
const GenerationId = z.string().min(1).describe('a generation id, as `playground.generate` returns it')

export const UserExampleSchema = z.strictObject({
  input: z.string().describe('the example input, as an instance input would read'),
  output: z.string().describe('the answer the task expects for that input'),
})

export const UserInstructionSchema = z.strictObject({
  definition: z.string().describe('the task definition in plain words ("Definition: …" in the prompt)'),
  // The 'def+2pos' setting admits two; a few more may be kept in a saved instruction for editing.
  examples: z.array(UserExampleSchema).max(8).default([]).describe('positive examples; the first two reach the prompt (Def + 2 Pos)'),
})

export const PlaygroundGenerateSchema = z.strictObject({
  hyper: RunId,
  instruction: UserInstructionSchema,
})

export const PLAYGROUND_METHODS = ['backbone', 'generated', 'teacher', 'metatrain'] as const
export type PlaygroundMethod = (typeof PLAYGROUND_METHODS)[number]

export const PlaygroundRunSchema = z.strictObject({
  generation: GenerationId,
  inputs: z.array(z.string().trim().min(1)).min(1).max(8).describe('instance inputs to answer (1 to 8)'),
  // 32: the suite's answers are a few words; SNI allows 128.
  maxNewTokens: z.number().int().min(1).max(256).default(32).describe('generation limit per answer, EOS included'),
  methods: z.array(z.enum(PLAYGROUND_METHODS)).min(1).default([...PLAYGROUND_METHODS]).describe('which models answer'),
})

export const PlaygroundExportSchema = z.strictObject({
  generation: GenerationId,
  out: z.string().min(1).describe('the folder to write (absolute, or relative to the workspace); new or empty, or an adapter folder to replace'),
})

export const SaveInstructionSchema = z.strictObject({
  name: z.string().trim().min(1).max(80).describe('a name; its file is instructions/<slug of the name>.json'),
  definition: z.string(),
  examples: z.array(UserExampleSchema).max(8).default([]),
  inputs: z.array(z.string()).max(8).default([]).describe('the inputs tried with it'),
  hyper: z.string().nullable().default(null).describe('the hypernetwork run last used with it'),
})

export const DeleteInstructionSchema = z.strictObject({ id: z.string().min(1).describe('the saved instruction id (file name without .json)') })

export const PLAYGROUND_PARAM_SCHEMAS = {
  'playground.hypernetworks': NoParams,
  'playground.generate': PlaygroundGenerateSchema,
  'playground.run': PlaygroundRunSchema,
  'playground.export': PlaygroundExportSchema,
  'playground.instructions': NoParams,
  'playground.saveInstruction': SaveInstructionSchema,
  'playground.deleteInstruction': DeleteInstructionSchema,
} as const

export type UserInstruction = z.output<typeof UserInstructionSchema>

/**
 * How a hypernetwork's instruction states reach the student: the decoder memory [instruction ; input] (the code's),
 * that plus a cross-attention block in every encoder layer (paper Eq. 1), or not at all (the ablation).
 * The engine's `FUSION_MODES`; the contract cannot import the engine, and the host checks that they agree.
 */
export type FusionMode = 'decoder-concat' | 'encoder-cross-attention' | 'none'

/** A completed hypernetwork run the Playground can generate with, and the runs of its pipeline. */
export interface HypernetworkInfo {
  id: string
  name: string
  stage: 'hyper-finetune' | 'hyper-pretrain'
  createdAt: string
  backbone: string
  /** The meta-trained model of the same pipeline (the full-prompt baseline); null when none is recorded. */
  metatrain: string | null
  /** The teacher LoRAs it was distilled from (the nearest-teacher candidates). */
  teachers: { run: string; group: string }[]
  rank: number
  /** How the instruction states reach the student (decisions.md §1 point 1). */
  fusion: FusionMode
  /** Prompt settings it was trained with. */
  promptSetting: string
  maxSourceTokens: number
  dataset: string | null
  /** The pipeline run that made it, when there is one. */
  pipeline: string | null
}

export interface HypernetworkList {
  hypernetworks: HypernetworkInfo[]
  /** Folders under runs/ that could not be read, with why. */
  unreadable: { id: string; error: string }[]
}

export interface NearestTeacher {
  /** 1 = nearest. */
  rank: number
  run: string
  group: string
  meanCosine: number | null
  weightedCosine: number | null
  globalCosine: number | null
  /** ‖generated‖ / ‖teacher‖ over the whole adapter. */
  normRatio: number | null
}

export interface GenerationResult {
  id: string
  hyper: string
  backbone: string
  instruction: UserInstruction
  /** The exact text the hypernetwork read. */
  instructionText: string
  instructionTokens: number
  /** Instruction encoding + every generator, in milliseconds. */
  generationMs: number
  /** Time spent loading models for this request (0 when they were cached). */
  loadMs: number
  modules: number
  rank: number
  fusion: FusionMode
  /** ‖ΔW‖ of the whole generated adapter (sqrt of the sum over modules of ‖ΔW‖²_F). */
  norm: number
  /** Teacher LoRAs ranked by mean cosine of ΔW with the generated adapter; empty without teachers. */
  nearest: NearestTeacher[]
  createdAt: string
  /** A new folder under the workspace's adapters/ to export to. */
  suggestedExportDir: string
}

export interface PlaygroundAnswer {
  method: PlaygroundMethod
  /** The generated text without special tokens (what evaluation scores); null when the method is unavailable. */
  text: string | null
  /** The same tokens decoded with special tokens (sentinels, EOS): what an undertrained model really said. */
  raw: string | null
  /** Tokens generated, EOS included. */
  tokens: number
  /** Wall time of this answer (encoding + greedy decoding), in milliseconds. */
  ms: number
  /** Why this method could not answer (no meta-train run, no teachers, an engine error). */
  unavailable: string | null
}

export interface PlaygroundMethodInfo {
  method: PlaygroundMethod
  label: string
  /** What the encoder reads and which weights run: the side-by-side's column note. */
  detail: string
  /** The run behind it. */
  run: string | null
}

export interface PlaygroundRunResult {
  generation: string
  maxNewTokens: number
  methods: PlaygroundMethodInfo[]
  rows: { input: string; answers: PlaygroundAnswer[] }[]
  loadMs: number
}

export interface ExportResult {
  out: string
  modules: number
  rank: number
  /** instruction_memory.safetensors when the run fuses, else null. */
  instructionMemory: string | null
  files: string[]
}

export interface SavedInstruction {
  id: string
  name: string
  definition: string
  examples: { input: string; output: string }[]
  inputs: string[]
  hyper: string | null
  createdAt: string
  updatedAt: string
}

export interface InstructionList {
  instructions: SavedInstruction[]
  unreadable: { file: string; error: string }[]
  /** The folder they live in. */
  dir: string
}

export interface PlaygroundMethodMap {
  'playground.hypernetworks': { params: undefined; result: HypernetworkList }
  'playground.generate': { params: z.input<typeof PlaygroundGenerateSchema>; result: GenerationResult }
  'playground.run': { params: z.input<typeof PlaygroundRunSchema>; result: PlaygroundRunResult }
  'playground.export': { params: z.input<typeof PlaygroundExportSchema>; result: ExportResult }
  'playground.instructions': { params: undefined; result: InstructionList }
  'playground.saveInstruction': { params: z.input<typeof SaveInstructionSchema>; result: SavedInstruction }
  'playground.deleteInstruction': { params: z.input<typeof DeleteInstructionSchema>; result: InstructionList }
}

export interface PlaygroundApi {
  listHypernetworks(): Promise<HypernetworkList>
  generateAdapter(params: z.input<typeof PlaygroundGenerateSchema>): Promise<GenerationResult>
  runPlayground(params: z.input<typeof PlaygroundRunSchema>): Promise<PlaygroundRunResult>
  exportGeneratedAdapter(params: z.input<typeof PlaygroundExportSchema>): Promise<ExportResult>
  listInstructions(): Promise<InstructionList>
  saveInstruction(params: z.input<typeof SaveInstructionSchema>): Promise<SavedInstruction>
  deleteInstruction(id: string): Promise<InstructionList>
}

type Call = <M extends keyof PlaygroundMethodMap>(method: M, params: PlaygroundMethodMap[M]['params']) => Promise<PlaygroundMethodMap[M]['result']>

export function playgroundApi(call: Call): PlaygroundApi {
  return {
    listHypernetworks: () => call('playground.hypernetworks', undefined),
    generateAdapter: (params) => call('playground.generate', params),
    runPlayground: (params) => call('playground.run', params),
    exportGeneratedAdapter: (params) => call('playground.export', params),
    listInstructions: () => call('playground.instructions', undefined),
    saveInstruction: (params) => call('playground.saveInstruction', params),
    deleteInstruction: (id) => call('playground.deleteInstruction', { id }),
  }
}
