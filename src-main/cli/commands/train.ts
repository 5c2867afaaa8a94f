/**
 * `tagi train <stage>`: run one TAGI stage (tagi-method.md §1) as the studio's job system does, in this
 * process: progress on stderr, the result as JSON on stdout, Ctrl-C writes a checkpoint and stops, and
 * `--resume RUN` continues a stopped or killed run from its last checkpoint.
 *
 *   tagi train backbone       [--dataset D] [--preset tiny|small] [--from HF_DIR]
 *   tagi train metatrain      --backbone RUN
 *   tagi train teacher        --backbone RUN --group NAME
 *   tagi train hyper-pretrain --backbone RUN
 *   tagi train hyper-finetune --backbone RUN --teachers RUN,RUN… [--pretrained RUN] [--metatrain RUN] [--no-ce|--no-kl|--no-ins]
 *
 * Every stage also takes `--params JSON`, its full parameter object (the job kind's schema), for any
 * setting without a flag; flags override it.
 */
import type { Command } from 'commander'
import type { z } from 'zod'
import { formatIssues } from '../../contract/index.ts'
import { initBackend } from '../../engine/backend/index.ts'
import { JobCancelledError, type JobContext, type JobKind } from '../../engine/jobs/job-kind.ts'
import { STAGE_JOB_KINDS } from '../../engine/stages/index.ts'
import { defaultWorkspaceDir } from '../../engine/store/workspace.ts'

export function workspaceDirOf(option: string | undefined): string {
  return option ?? process.env.TAGI_WORKSPACE ?? defaultWorkspaceDir()
}

/** A job context for the terminal: throttled progress lines on stderr, Ctrl-C → cancel (checkpoint, then stop). */
export function terminalJobContext(workspaceDir: string, quiet = false): { ctx: JobContext; close: () => void } {
  const abort = new AbortController()
  const onSignal = () => {
    process.stderr.write('\ntagi: stopping after the current step (a checkpoint is written) …\n')
    abort.abort()
  }
  process.once('SIGINT', onSignal)
  let lastPrint = 0
  const started = Date.now()
  const ctx: JobContext = {
    jobId: `cli-${process.pid}`,
    signal: abort.signal,
    workspaceDir,
    progress: (u) => {
      const now = Date.now()
      if (quiet || (now - lastPrint < 2000 && u.step < u.total)) return
      lastPrint = now
      const eta = u.metrics?.eta_s
      const extras = Object.entries(u.metrics ?? {})
        .filter(([k]) => ['ce', 'kl', 'ins', 'lr', 'tokens_per_s'].includes(k))
        .map(([k, v]) => `${k} ${k === 'lr' ? v.toExponential(1) : v.toFixed(k === 'tokens_per_s' ? 0 : 4)}`)
      const etaText = typeof eta === 'number' ? ` eta ${Math.round(eta)}s` : ''
      process.stderr.write(`[${Math.round((now - started) / 1000)}s] ${u.message ?? `${u.step}/${u.total}`} ${extras.join(' ')}${etaText}\n`)
    },
    log: (message, level = 'info') => {
      if (!quiet || level !== 'info') process.stderr.write(`${level === 'info' ? '' : `${level}: `}${message}\n`)
    },
    yieldAndCheck: async () => {
      await new Promise((resolve) => setImmediate(resolve))
      if (abort.signal.aborted) throw new JobCancelledError()
    },
  }
  return { ctx, close: () => process.removeListener('SIGINT', onSignal) }
}

/** Validate params with the kind's schema (errors name the key), start the backend and run the kind. */
export async function runKindInTerminal<R>(kind: JobKind, raw: Record<string, unknown>, workspaceDir: string, quiet = false): Promise<R> {
  const parsed = kind.params.safeParse(raw)
  if (!parsed.success) throw new Error(`invalid parameters for ${kind.kind}: ${formatIssues(parsed.error, raw)}`)
  const backend = await initBackend()
  if (!quiet) process.stderr.write(`${kind.title} on ${backend.label}\n`)
  const { ctx, close } = terminalJobContext(workspaceDir, quiet)
  try {
    return (await kind.run(parsed.data, ctx)) as R
  } catch (error) {
    if (error instanceof JobCancelledError) throw new Error(`${kind.kind} cancelled; its run keeps a checkpoint: continue it with --resume <run id> (see \`tagi runs\` or the workspace's runs/ folder)`)
    throw error
  } finally {
    close()
  }
}

function jsonOption(text: string | undefined): Record<string, unknown> {
  if (!text) return {}
  try {
    const value = JSON.parse(text) as unknown
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
    return value as Record<string, unknown>
  } catch (error) {
    throw new Error(`--params must be a JSON object, e.g. '{"training":{"steps":100}}' (${(error as Error).message})`)
  }
}

function positiveInt(value: string, option: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new Error(`${option} expects a positive integer, got '${value}'`)
  return n
}

interface TrainOptions {
  dataset?: string
  backbone?: string
  teachers?: string
  pretrained?: string
  metatrain?: string
  group?: string
  preset?: string
  from?: string
  steps?: string
  batchSize?: string
  lr?: string
  ce?: boolean
  kl?: boolean
  ins?: boolean
  resume?: string
  params?: string
  name?: string
  workspace?: string
  quiet?: boolean
}

const STAGES: Record<string, string> = {
  backbone: 'train-backbone',
  metatrain: 'train-metatrain',
  teacher: 'train-teacher',
  'hyper-pretrain': 'hyper-pretrain',
  'hyper-finetune': 'hyper-finetune',
}

/** Flags → the stage's params object (only the flags given; the schema fills the rest). */
function paramsFrom(stage: string, opts: TrainOptions): Record<string, unknown> {
  const params: Record<string, unknown> = jsonOption(opts.params)
  const set = (key: string, value: unknown) => {
    if (value !== undefined) params[key] = value
  }
  set('dataset', opts.dataset)
  set('backbone', opts.backbone)
  set('group', opts.group)
  set('preset', opts.preset)
  set('fromCheckpoint', opts.from)
  set('pretrained', opts.pretrained)
  set('metatrain', opts.metatrain)
  set('resume', opts.resume)
  set('name', opts.name)
  if (opts.teachers !== undefined) params.teachers = opts.teachers.split(',').map((s) => s.trim()).filter(Boolean)
  if (opts.steps || opts.batchSize || opts.lr) {
    const schema = STAGE_JOB_KINDS.find((k) => k.kind === STAGES[stage])!.params as unknown as z.ZodObject<{ training: z.ZodType }>
    const defaults = schema.shape.training.parse(undefined) as Record<string, unknown>
    const training: Record<string, unknown> = { ...defaults, ...((params.training as Record<string, unknown>) ?? {}) }
    if (opts.steps) training.steps = positiveInt(opts.steps, '--steps')
    if (opts.batchSize) training.batchSize = positiveInt(opts.batchSize, '--batch-size')
    if (opts.lr) {
      const lr = Number(opts.lr)
      if (!(lr > 0)) throw new Error(`--lr expects a positive number, got '${opts.lr}'`)
      training.learningRate = lr
    }
    params.training = training
  }
  if (stage === 'hyper-finetune' && (opts.ce === false || opts.kl === false || opts.ins === false)) {
    const loss: Record<string, unknown> = { ...((params.loss as Record<string, unknown>) ?? {}) }
    if (opts.ce === false) loss.labels = false
    if (opts.kl === false) loss.kl = null
    if (opts.ins === false) loss.ins = null
    params.loss = loss
  }
  return params
}

export function register(program: Command): void {
  program
    .command('train')
    .description(`run one TAGI stage: ${Object.keys(STAGES).join(' | ')}; prints the run as JSON`)
    .argument('<stage>', `the stage: ${Object.keys(STAGES).join(', ')}`)
    .option('--dataset <ref>', "'suite' (built-in), a folder of SNI task files with train/test splits, or a workspace dataset id")
    .option('--backbone <run>', 'backbone run (every stage but backbone)')
    .option('--group <name>', 'teacher: the task group (primary SNI category) to train a LoRA for')
    .option('--teachers <runs>', 'hyper-finetune: teacher runs, comma-separated')
    .option('--pretrained <run>', 'hyper-finetune: the hyper-pretrain run to start from')
    .option('--metatrain <run>', "hyper-finetune: the meta-train run (for the code's KL teacher)")
    .option('--preset <name>', 'backbone: T5 preset trained from scratch (tiny | small)')
    .option('--from <dir>', 'backbone: a Hugging Face T5 folder used as the backbone (no training)')
    .option('--steps <n>', 'optimizer steps')
    .option('--batch-size <n>', 'instances per step')
    .option('--lr <x>', 'peak learning rate')
    .option('--no-ce', 'hyper-finetune: switch off L_ce')
    .option('--no-kl', 'hyper-finetune: switch off L_kl')
    .option('--no-ins', 'hyper-finetune: switch off L_ins')
    .option('--params <json>', "the stage's full parameter object as JSON (flags override it)")
    .option('--resume <run>', 'continue this run of the stage from its last checkpoint')
    .option('--name <name>', 'name of the run')
    .option('--quiet', 'no progress on stderr')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE, else the user data folder)')
    .action(async (stage: string, opts: TrainOptions) => {
      const kindName = STAGES[stage]
      if (!kindName) throw new Error(`unknown stage '${stage}' (expected one of: ${Object.keys(STAGES).join(', ')})`)
      const kind = STAGE_JOB_KINDS.find((k) => k.kind === kindName)!
      const result = await runKindInTerminal(kind, paramsFrom(stage, opts), workspaceDirOf(opts.workspace), opts.quiet)
      process.stdout.write(JSON.stringify(result, null, 2) + '\n')
    })
}
