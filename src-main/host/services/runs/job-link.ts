/**
 * Which job writes which run, and how a run is resumed. The job manager runs one job at a time, so a run
 * created while a job runs is that job's; a job started with `resume: <id>` writes run <id>; a pipeline's
 * stage runs (listed in its run's summary.runs) belong to the pipeline's job. Resuming = starting the
 * run's stage kind again with the run's own config and `resume: <id>` (engine/stages/common.ts
 * `openStageRun` checks the config is the same; engine/training/trainer.ts continues from the checkpoint).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isTerminal, type JobKindInfo, type JobState, type RunStatusName } from '../../../contract/index.ts'
import type { RunRecord } from '../../../engine/store/run-store.ts'
import { CHECKPOINT_DIR } from '../../../engine/training/checkpoint.ts'

/** The job kind that makes each stage's runs: the stage names run.json records, as engine/stages/ writes them. */
export const STAGE_KINDS: Readonly<Record<string, string>> = {
  backbone: 'train-backbone',
  metatrain: 'train-metatrain',
  teacher: 'train-teacher',
  'hyper-pretrain': 'hyper-pretrain',
  'hyper-finetune': 'hyper-finetune',
  evaluate: 'tagi-evaluate',
  pipeline: 'tagi-pipeline',
}

/** The registered kind that makes runs of this stage, if any. */
export function kindOf(stage: string, kinds: readonly JobKindInfo[]): JobKindInfo | null {
  return kinds.find((info) => info.kind === STAGE_KINDS[stage]) ?? null
}

const ENDED_RUN: readonly RunStatusName[] = ['completed', 'failed', 'cancelled']

/** The job writing each run now, by run id (runs without one are absent). */
export function jobsByRun(records: readonly RunRecord[], jobs: readonly JobState[]): Map<string, string> {
  const owner = new Map<string, string>()
  const live = jobs.filter((job) => !isTerminal(job.status))
  for (const job of live) {
    const resume = job.params.resume
    if (typeof resume === 'string') owner.set(resume, job.id)
  }
  const running = live.find((job) => job.status === 'running' && job.startedAt)
  if (running) {
    for (const record of records) {
      if (!owner.has(record.id) && !ENDED_RUN.includes(record.status) && record.createdAt >= running.startedAt!) owner.set(record.id, running.id)
    }
  }
  // A pipeline's stage runs, including the ones created before a resumed pipeline started.
  for (const record of records) {
    const pipelineJob = owner.get(record.id)
    const stageRuns = record.summary.runs
    if (!pipelineJob || record.stage !== 'pipeline' || stageRuns === null || typeof stageRuns !== 'object') continue
    for (const id of Object.values(stageRuns as Record<string, unknown>)) {
      const stageRun = records.find((other) => other.id === id)
      if (typeof id === 'string' && stageRun && !ENDED_RUN.includes(stageRun.status)) owner.set(id, pipelineJob)
    }
  }
  return owner
}

/** The kind that resumes a run of this stage, if it is registered and takes a `resume` param. */
export function resumeKindOf(stage: string, kinds: readonly JobKindInfo[]): JobKindInfo | null {
  const kind = kindOf(stage, kinds)
  return kind?.paramsSchema.properties?.resume ? kind : null
}

/**
 * The params that resume a run: its config restricted to the kind's options (a pipeline's record also
 * holds its resolved `plan`, which the kind recomputes), plus `resume` and the run's name.
 */
export function resumeParams(record: RunRecord, kind: JobKindInfo): Record<string, unknown> {
  const options = kind.paramsSchema.properties ?? {}
  const params: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record.config)) if (key in options) params[key] = value
  params.resume = record.id
  if ('name' in options) params.name = record.name
  return params
}

/** The step of a run's last checkpoint (its checkpoint.json), or null when it has none or it is unreadable. */
export function checkpointStep(runDir: string): number | null {
  const file = join(runDir, CHECKPOINT_DIR, 'checkpoint.json')
  if (!existsSync(file)) return null
  try {
    const step = (JSON.parse(readFileSync(file, 'utf8')) as { state?: { step?: unknown } }).state?.step
    return typeof step === 'number' ? step : null
  } catch {
    return null
  }
}
