/**
 * `tagi pipeline --preset tiny [--dataset DIR] [--json FILE] [--ablation NAME] [--fusion MODE]`: the whole TAGI method on
 * one dataset (stages a → f, engine/stages/pipeline.ts) and the comparison table: ROUGE-L per method on the
 * held-out and the training tasks, and inference time per 100 instances relative to the full-prompt
 * baseline. `--resume RUN` continues a pipeline that was stopped or killed.
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { ABLATIONS, pipelineJob, type Ablation, type PipelineResult } from '../../engine/stages/index.ts'
import { PIPELINE_PRESETS } from '../../engine/stages/presets.ts'
import { writeJsonAtomic } from '../../engine/store/atomic.ts'
import { runKindInTerminal, workspaceDirOf } from './train.ts'

interface PipelineOptions {
  preset: string
  dataset: string
  from?: string
  ablation: string[]
  fusion?: string
  stepScale?: string
  evalInstances?: string
  json?: string
  resume?: string
  name?: string
  quiet?: boolean
  workspace?: string
}

function ablationsOf(values: string[]): Ablation[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)
  const expanded = names.includes('all') ? [...ABLATIONS] : names
  for (const name of expanded) {
    if (!ABLATIONS.includes(name as Ablation)) throw new Error(`--ablation: unknown ablation '${name}' (expected one of: ${ABLATIONS.join(', ')}, all)`)
  }
  return [...new Set(expanded)] as Ablation[]
}

export function register(program: Command): void {
  program
    .command('pipeline')
    .description('run the TAGI pipeline (backbone → meta-train → teacher LoRAs → hypernetwork pretraining → finetuning → evaluation) and print the comparison table')
    .option('--preset <name>', `scale: ${PIPELINE_PRESETS.join(' | ')}`, 'tiny')
    .option('--dataset <ref>', "'suite' (the built-in instruction suite), a folder of SNI task files with train/test splits, or a workspace dataset id", 'suite')
    .option('--from <dir>', 'a Hugging Face T5 folder to use as the backbone instead of pretraining one')
    .option('--fusion <mode>', "instruction fusion: 'decoder-concat' (default, the code's) or 'encoder-cross-attention' (paper Eq. 1)")
    .option('--ablation <names>', `also run ablations (${ABLATIONS.join(', ')}, or all); repeatable or comma-separated`, (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--step-scale <x>', 'multiply every stage’s steps (e.g. 0.1 for a smoke run)')
    .option('--eval-instances <n>', 'instances scored per task (default: 100 held-out, 20 per training task)')
    .option('--json <file>', 'write the results (scores, rows, run ids, timings) as JSON to this file')
    .option('--resume <run>', 'continue this pipeline run: finished stages are reused, the interrupted one resumes')
    .option('--name <name>', 'name of the pipeline run')
    .option('--quiet', 'no progress on stderr')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE, else the user data folder)')
    .action(async (opts: PipelineOptions) => {
      const params: Record<string, unknown> = { preset: opts.preset, dataset: opts.dataset, ablations: ablationsOf(opts.ablation) }
      if (opts.fusion) params.fusion = opts.fusion
      if (opts.from) params.fromCheckpoint = resolve(opts.from)
      if (opts.stepScale !== undefined) params.stepScale = Number(opts.stepScale)
      if (opts.evalInstances !== undefined) params.evalInstances = Number(opts.evalInstances)
      if (opts.resume) params.resume = opts.resume
      if (opts.name) params.name = opts.name
      const result = await runKindInTerminal<PipelineResult>(pipelineJob, params, workspaceDirOf(opts.workspace), opts.quiet)
      if (opts.json) writeJsonAtomic(resolve(opts.json), { runId: result.runId, ...result.results })
      const r = result.results
      const times = Object.entries(r.stageSeconds).map(([k, s]) => `${k} ${s.toFixed(0)}s`).join(', ')
      process.stdout.write(
        `${result.table}\n\nRL = ROUGE-L, EM = exact match (×100); held-out = test tasks, train = seen tasks; time and FLOPs per 100 instances vs the meta-trained model reading the full prompt.\n` +
          `pipeline run ${result.runId} (${r.dataset}, ${r.preset}, ${r.backend}): ${r.totalSeconds.toFixed(0)} s — ${times}\n`,
      )
    })
}
