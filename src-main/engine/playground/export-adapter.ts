/**
 * A generated adapter written as a PEFT adapter folder (anchors.md §2.8, §3.7 item 11): adapter_config.json
 * + adapter_model.safetensors with PEFT key names, so PEFT and `tagi adapter compare` read it like a teacher.
 *
 * The generated update acts as x·A·B (B already scaled by 1/√r, no α/r); in PEFT's orientation that is
 * lora_A = Aᵀ (r, in), lora_B = Bᵀ (out, r) with lora_alpha = r, i.e. scaling 1. The fused instruction
 * states (decisions.md §1 point 1), which PEFT has no slot for, go beside it in
 * instruction_memory.safetensors (`states`, and with the paper's encoder fusion its blocks under their
 * `encoder_fusion.block.{l}.*` names, linear weights in Hugging Face's (out, in) layout), and where it came
 * from (hypernetwork run, instruction) in tagi_generation.json; PEFT ignores both extra files. Shared by `tagi adapter generate` and the Playground.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tf } from '../backend/index.ts'
import type { TaskConditioning } from '../eval/conditioning.ts'
import { writeSafetensors } from '../formats/safetensors.ts'
import { PeftAdapter } from '../models/lora/index.ts'
import { writeJsonAtomic } from '../store/atomic.ts'
import type { UserInstruction } from './user-instruction.ts'

export const INSTRUCTION_MEMORY_FILE = 'instruction_memory.safetensors'
export const GENERATION_FILE = 'tagi_generation.json'

/** Provenance of a generated adapter folder (tagi_generation.json). */
export interface GenerationInfo {
  format: 'tagi-generated-adapter'
  /** The hypernetwork run that generated it, and the backbone run it adapts. */
  hyper: string
  backbone: string
  instruction: UserInstruction
  /** The exact text the hypernetwork read. */
  instructionText: string
  rank: number
  generationMs: number
  createdAt: string
}

export interface SavedAdapter {
  out: string
  modules: number
  rank: number
  instructionMemory: string | null
  instruction: string
}

/** The generated per-example adapters (batch 1) as a PEFT adapter in PEFT orientation; the caller disposes it. */
export function generatedPeftAdapter(conditioning: TaskConditioning, rank: number, baseModel: string): PeftAdapter {
  if (!conditioning.adapters || conditioning.adapters.size === 0) throw new Error('generated adapter: the conditioning holds no adapters')
  const modules = new Map<string, { A: tf.Tensor2D; B: tf.Tensor2D }>()
  for (const [id, lora] of conditioning.adapters) {
    if (lora.kind !== 'per-example' || lora.A.shape[0] !== 1) throw new Error(`generated adapter: module '${id}' is not a batch-1 per-example LoRA`)
    modules.set(id, {
      A: tf.tidy(() => tf.transpose(tf.squeeze(lora.A, [0]))) as tf.Tensor2D, // (1, in, r) → (r, in)
      B: tf.tidy(() => tf.transpose(tf.squeeze(lora.B, [0]))) as tf.Tensor2D, // (1, r, out) → (out, r)
    })
  }
  return new PeftAdapter(
    {
      peft_type: 'LORA',
      task_type: 'SEQ_2_SEQ_LM',
      r: rank,
      lora_alpha: rank,
      lora_dropout: 0,
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      target_modules: ['q', 'v'],
      base_model_name_or_path: baseModel,
    },
    modules,
  )
}

/** Refuse to write into a folder that holds other things: an export must never mix with or bury a user's files. */
function checkOutputFolder(out: string): void {
  if (!existsSync(out)) return
  const entries = readdirSync(out)
  if (entries.length > 0 && !entries.includes('adapter_config.json')) {
    throw new Error(`'${out}' is not empty and is not an adapter folder (found ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); choose a new or empty folder`)
  }
}

/** Write the PEFT folder, the fused instruction states (when the run fuses) and the provenance file. */
export function saveGeneratedAdapter(
  outDir: string,
  conditioning: TaskConditioning,
  baseModel: string,
  info: Omit<GenerationInfo, 'format' | 'createdAt'>,
): SavedAdapter {
  const out = resolve(outDir)
  checkOutputFolder(out)
  mkdirSync(out, { recursive: true })
  const adapter = generatedPeftAdapter(conditioning, info.rank, baseModel)
  const modules = adapter.modules.size
  try {
    adapter.save(out)
  } finally {
    adapter.dispose()
  }
  const memory = conditioning.extraMemory
  if (memory) {
    // (1, S_I, d) → (S_I, d); fusion blocks from the internal (in, out) layout to Hugging Face's (out, in).
    const tensors = new Map<string, tf.Tensor>([['states', tf.squeeze(memory.states, [0])]])
    for (const [key, w] of memory.encoderFusion ?? []) tensors.set(key, w.rank === 2 ? tf.transpose(w) : tf.clone(w))
    try {
      const file = new Map([...tensors].map(([key, t]) => [key, { shape: t.shape, data: t.dataSync() as Float32Array }]))
      writeSafetensors(join(out, INSTRUCTION_MEMORY_FILE), file, { format: 'tagi-instruction-memory' })
    } finally {
      tf.dispose([...tensors.values()])
    }
  }
  const record: GenerationInfo = { format: 'tagi-generated-adapter', ...info, createdAt: new Date().toISOString() }
  writeJsonAtomic(join(out, GENERATION_FILE), record)
  return { out, modules, rank: info.rank, instructionMemory: memory ? INSTRUCTION_MEMORY_FILE : null, instruction: info.instructionText }
}

/** The provenance of an adapter folder the Playground or the CLI generated; null for any other folder. */
export function readGenerationInfo(dir: string): GenerationInfo | null {
  const path = join(dir, GENERATION_FILE)
  if (!existsSync(path)) return null
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<GenerationInfo>
    return value.format === 'tagi-generated-adapter' && typeof value.hyper === 'string' ? (value as GenerationInfo) : null
  } catch {
    return null // an unreadable provenance file does not make the adapter unusable
  }
}
