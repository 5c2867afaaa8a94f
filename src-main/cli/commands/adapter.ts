/**
 * `tagi adapter generate --hyper RUN --instruction "..." --out DIR`: TAGI at inference, no gradient step
 * (tagi-method.md §1 step 4): the hypernetwork turns an instruction into a LoRA for its backbone, written
 * as a PEFT adapter (adapter_config.json + adapter_model.safetensors, PEFT key names).
 *
 * The generation and the folder layout (PEFT orientation, instruction_memory.safetensors, provenance in
 * tagi_generation.json) live in engine/playground/, shared with the studio's Playground.
 */
import type { Command } from 'commander'
import { initBackend } from '../../engine/backend/index.ts'
import { disposeConditioning } from '../../engine/eval/conditioning.ts'
import { generateFromInstruction, saveGeneratedAdapter } from '../../engine/playground/index.ts'
import { loadHyperRun, MODEL_DIR } from '../../engine/stages/index.ts'
import { Workspace } from '../../engine/store/workspace.ts'
import { workspaceDirOf } from './train.ts'

export { INSTRUCTION_MEMORY_FILE } from '../../engine/playground/index.ts'

interface GenerateOptions {
  hyper: string
  instruction: string
  example: string[]
  out: string
  json?: boolean
  workspace?: string
}

/** "input => output" → a positive example. */
function parseExample(text: string): { input: string; output: string } {
  const at = text.indexOf('=>')
  if (at < 0) throw new Error(`--example expects "input => output", got '${text}'`)
  return { input: text.slice(0, at).trim(), output: text.slice(at + 2).trim() }
}

function adapterGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'adapter') ?? program.command('adapter').description('LoRA adapters')
}

export function register(program: Command): void {
  adapterGroup(program)
    .command('generate')
    .description('generate a PEFT LoRA adapter from an instruction with a trained hypernetwork (no gradient step)')
    .requiredOption('--hyper <run>', 'hypernetwork run (hyper-finetune, or hyper-pretrain)')
    .requiredOption('--instruction <text>', 'the task definition, in plain words')
    .option('--example <pair>', 'a positive example "input => output" (repeatable), as the Def + Pos setting', (v: string, all: string[]) => [...all, v], [] as string[])
    .requiredOption('--out <dir>', 'output folder for the adapter')
    .option('--json', 'print a JSON summary')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE, else the user data folder)')
    .action(async (opts: GenerateOptions) => {
      if (!opts.instruction.trim()) throw new Error('--instruction is empty')
      await initBackend()
      const workspace = new Workspace(workspaceDirOf(opts.workspace))
      const run = await loadHyperRun(workspace, opts.hyper)
      try {
        // The same instruction text the hypernetwork was trained on: "Definition: …" (+ positive examples).
        const instruction = { definition: opts.instruction, examples: opts.example.map(parseExample) }
        const generated = generateFromInstruction(run, instruction)
        try {
          const rank = run.hyper.config.rank
          const saved = saveGeneratedAdapter(opts.out, generated.conditioning, workspace.runs.open(run.backbone).path(MODEL_DIR), {
            hyper: opts.hyper,
            backbone: run.backbone,
            instruction,
            instructionText: generated.text,
            rank,
            generationMs: generated.generationMs,
          })
          const summary = { out: saved.out, hyper: opts.hyper, modules: saved.modules, rank, instructionMemory: saved.instructionMemory, instruction: generated.text }
          process.stdout.write(opts.json ? JSON.stringify(summary, null, 2) + '\n' : `wrote a ${saved.modules}-module rank-${rank} PEFT adapter to ${saved.out}\n`)
        } finally {
          disposeConditioning(generated.conditioning)
        }
      } finally {
        run.dispose()
      }
    })
}
