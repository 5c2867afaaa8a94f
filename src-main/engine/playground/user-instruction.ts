/**
 * A user's own instruction (a definition and optional positive examples, as an SNI task has them) turned
 * into what the TAGI inference path needs (tagi-method.md §1 step 4): an SNI-shaped task, the prompt
 * settings the hypernetwork run was trained with, the instruction text built exactly as the pipeline builds
 * it (stages/examples.ts `instructionText` → data/prompts.ts `buildInstruction`), and the generated adapter
 * with its fused instruction states. `tagi adapter generate` and the studio's Playground share this path.
 */
import type { SniTask } from '../data/sni/task.ts'
import type { TaskConditioning } from '../eval/conditioning.ts'
import { generateTaskConditioning } from '../models/hyper/index.ts'
import { instructionText, type PromptOptions } from '../stages/examples.ts'
import type { HyperRun } from '../stages/hyper-run.ts'

export interface UserExample {
  input: string
  output: string
}

export interface UserInstruction {
  /** The task definition in plain words ("Definition: …" in the prompt). */
  definition: string
  /** Positive examples: the 'def+2pos' setting admits the first two, as the paper's SNI runs. */
  examples: UserExample[]
}

/** The name the in-memory task carries; it never reaches a prompt (add_task_name is off in TAGI's runs). */
export const USER_TASK_NAME = 'user-instruction'

/** Check an instruction, naming the field at fault. */
export function checkInstruction(instruction: UserInstruction): void {
  if (!instruction.definition.trim()) throw new Error('instruction: the definition is empty; describe the task in a sentence or two')
  instruction.examples.forEach((example, i) => {
    if (!example.input.trim() || !example.output.trim()) throw new Error(`instruction: example ${i + 1} needs both an input and an output`)
  })
}

/** The instruction as an SNI task with no instances, so the pipeline's prompt builders apply unchanged. */
export function instructionTask(instruction: UserInstruction): SniTask {
  checkInstruction(instruction)
  return {
    name: USER_TASK_NAME,
    definition: [instruction.definition],
    positiveExamples: instruction.examples.map(({ input, output }) => ({ input, output })),
    negativeExamples: [],
    categories: [],
    instances: [],
    numInstancesTotal: null,
    meta: {},
  }
}

/** The run's prompt settings with 'def' when there are no examples (nothing to admit), 'def+2pos' when there are. */
export function instructionPrompt(runPrompt: PromptOptions, instruction: UserInstruction): PromptOptions {
  return { ...runPrompt, setting: instruction.examples.length > 0 ? 'def+2pos' : 'def' }
}

export interface GeneratedFromInstruction {
  task: SniTask
  prompt: PromptOptions
  /** The exact text the hypernetwork read. */
  text: string
  /** Adapters (per-example, batch 1) and, when the run fuses, the instruction states; the caller disposes them. */
  conditioning: TaskConditioning
  /** Wall time of encoding the instruction and generating every module, in milliseconds. */
  generationMs: number
}

/** One pass of the hypernetwork over the instruction: no gradient step (TAGI at inference). */
export function generateFromInstruction(run: Pick<HyperRun, 'hyper' | 'model' | 'tokenizer' | 'prompt'>, instruction: UserInstruction): GeneratedFromInstruction {
  const task = instructionTask(instruction)
  const prompt = instructionPrompt(run.prompt, instruction)
  const text = instructionText(task, prompt, run.tokenizer)
  const t0 = performance.now()
  const conditioning = generateTaskConditioning({ hyper: run.hyper, model: run.model, tokenizer: run.tokenizer, maxInstructionTokens: run.prompt.maxSourceTokens }, text)
  return { task, prompt, text, conditioning, generationMs: performance.now() - t0 }
}
