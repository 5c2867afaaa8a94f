/**
 * The models behind the Playground, read from the run store and kept loaded between requests, so each try
 * costs one generation and a few greedy decodes rather than a reload: a hypernetwork run (stages/hyper-run.ts
 * `loadHyperRun`), the backbone it adapts, the meta-trained model of its pipeline and its teacher LoRAs.
 * The cache holds one hypernetwork's set at a time (memory stays bounded) and reloads it when any of those
 * runs changes on disk (its run.json is rewritten whenever a run is updated).
 */
import { existsSync, statSync } from 'node:fs'
import type { FusionMode, HypernetworkInfo, HypernetworkList } from '../../contract/index.ts'
import { resolveHyperConfig, type FusionMode as EngineFusionMode } from '../../engine/models/hyper/index.ts'
import { PeftAdapter } from '../../engine/models/lora/index.ts'
import type { T5Model } from '../../engine/models/t5/index.ts'
import { ADAPTER_DIR, loadHyperRun, MODEL_DIR, type HyperRun } from '../../engine/stages/index.ts'
import { loadRunModel } from '../../engine/stages/common.ts'
import type { RunRecord } from '../../engine/store/run-store.ts'
import type { Workspace } from '../../engine/store/workspace.ts'
import type { TextTokenizer } from '../../engine/tokenizers/index.ts'

const HYPER_STAGES = ['hyper-finetune', 'hyper-pretrain'] as const

// The contract repeats the engine's fusion modes (it cannot import the engine); this fails to compile if they drift.
const sameFusionModes: [FusionMode, EngineFusionMode] extends [EngineFusionMode, FusionMode] ? true : never = true
void sameFusionModes

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []
}

/** The pipeline run that recorded `runId` among its stages, if any. */
function pipelineOf(runId: string, records: RunRecord[]): RunRecord | null {
  return records.find((r) => r.stage === 'pipeline' && Object.values((r.summary.runs as Record<string, string> | undefined) ?? {}).includes(runId)) ?? null
}

/** What the Playground shows about a completed hypernetwork run; teachers and meta-train come from its parents, else its pipeline. */
export function hypernetworkInfo(record: RunRecord, records: RunRecord[]): HypernetworkInfo {
  const byId = new Map(records.map((r) => [r.id, r]))
  const pipeline = pipelineOf(record.id, records)
  const pipelineRuns = (pipeline?.summary.runs as Record<string, string> | undefined) ?? {}
  const teacherIds = record.parents.teachers !== undefined
    ? stringList(record.parents.teachers)
    : Object.entries(pipelineRuns).filter(([key]) => key.startsWith('teacher:')).map(([, id]) => id)
  const metatrain = stringList(record.parents.metatrain)[0] ?? pipelineRuns.metatrain ?? null
  const hyper = resolveHyperConfig(record.config.hyper)
  const prompt = (record.config.prompt ?? {}) as { setting?: string; maxSourceTokens?: number }
  return {
    id: record.id,
    name: record.name,
    stage: record.stage as HypernetworkInfo['stage'],
    createdAt: record.createdAt,
    backbone: String(record.parents.backbone ?? ''),
    metatrain,
    teachers: teacherIds.map((run) => ({ run, group: String(byId.get(run)?.config.group ?? run) })),
    rank: hyper.rank,
    fusion: hyper.fusion,
    // Pretraining has no prompt settings; loadHyperRun gives it the suite's defaults.
    promptSetting: prompt.setting ?? 'def+2pos',
    maxSourceTokens: prompt.maxSourceTokens ?? 160,
    dataset: typeof record.parents.dataset === 'string' ? record.parents.dataset : null,
    pipeline: pipeline?.id ?? null,
  }
}

/** Completed hypernetwork runs, newest first (finetuned ones before pretrained ones of the same time). */
export function listHypernetworks(workspace: Workspace): HypernetworkList {
  const { runs, unreadable } = workspace.runs.list()
  const hypernetworks = runs
    .filter((r) => (HYPER_STAGES as readonly string[]).includes(r.stage) && r.status === 'completed')
    .map((r) => hypernetworkInfo(r, runs))
  return { hypernetworks, unreadable }
}

export interface LoadedTeacher {
  run: string
  group: string
  dir: string
  adapter: PeftAdapter
}

/** Everything one hypernetwork's Playground tries need, loaded once. */
export interface PlaygroundModels {
  info: HypernetworkInfo
  hyperRun: HyperRun
  /** The backbone run's own model: the hypernetwork's copy when finetuning did not train one of its own. */
  backbone: { model: T5Model; tokenizer: TextTokenizer }
  metatrain: { model: T5Model; tokenizer: TextTokenizer } | null
  teachers: LoadedTeacher[]
  /** Why the meta-train model or teachers are missing, for the side-by-side's empty cells. */
  missing: { metatrain: string | null; teachers: string | null }
  dispose(): void
}

/** A fingerprint of the runs a set was loaded from: their run.json modification times. */
function signatureOf(workspace: Workspace, ids: (string | null)[]): string {
  return ids
    .filter((id): id is string => id !== null)
    .map((id) => {
      try {
        return `${id}@${statSync(workspace.runs.open(id).path('run.json')).mtimeMs}`
      } catch {
        return `${id}@missing`
      }
    })
    .join('|')
}

async function loadModels(workspace: Workspace, info: HypernetworkInfo): Promise<PlaygroundModels> {
  const disposers: (() => void)[] = []
  try {
    const hyperRun = await loadHyperRun(workspace, info.id)
    disposers.push(() => hyperRun.dispose())
    let backbone = { model: hyperRun.model, tokenizer: hyperRun.tokenizer }
    // loadHyperRun takes the run's own model folder when finetuning saved one (it trained embeddings and norms).
    if (existsSync(hyperRun.run.path(MODEL_DIR))) {
      const loaded = await loadRunModel(workspace, info.backbone, ['backbone'])
      disposers.push(() => loaded.model.dispose())
      backbone = { model: loaded.model, tokenizer: loaded.tokenizer }
    }
    const missing: PlaygroundModels['missing'] = { metatrain: null, teachers: null }
    let metatrain: PlaygroundModels['metatrain'] = null
    if (info.metatrain) {
      try {
        const loaded = await loadRunModel(workspace, info.metatrain, ['metatrain'])
        disposers.push(() => loaded.model.dispose())
        metatrain = { model: loaded.model, tokenizer: loaded.tokenizer }
      } catch (error) {
        missing.metatrain = `meta-train run ${info.metatrain}: ${(error as Error).message}`
      }
    } else missing.metatrain = 'no meta-train run is recorded for this hypernetwork (its pipeline has none)'
    const teachers: LoadedTeacher[] = []
    for (const { run, group } of info.teachers) {
      const record = workspace.runs.open(run)
      if (record.record.stage !== 'teacher' || record.record.status !== 'completed') continue
      const adapter = PeftAdapter.load(record.path(ADAPTER_DIR))
      disposers.push(() => adapter.dispose())
      adapter.checkAgainst(backbone.model.config)
      teachers.push({ run, group, dir: record.path(ADAPTER_DIR), adapter })
    }
    if (teachers.length === 0) missing.teachers = 'no completed teacher LoRA is recorded for this hypernetwork'
    return { info, hyperRun, backbone, metatrain, teachers, missing, dispose: () => disposers.reverse().forEach((d) => d()) }
  } catch (error) {
    for (const dispose of disposers.reverse()) dispose()
    throw error
  }
}

/** One hypernetwork's models, cached; `get` reloads when the run or any run it uses changed. */
export class PlaygroundModelCache {
  #loaded: { models: PlaygroundModels; signature: string } | null = null
  readonly #workspace: Workspace

  constructor(workspace: Workspace) {
    this.#workspace = workspace
  }

  /** The models of `hyperId` and the milliseconds spent loading them now (0 on a cache hit). */
  async get(hyperId: string): Promise<{ models: PlaygroundModels; loadMs: number }> {
    const { runs } = this.#workspace.runs.list()
    const record = runs.find((r) => r.id === hyperId)
    if (!record) throw new Error(`no run '${hyperId}' in the workspace`)
    const info = hypernetworkInfo(record, runs)
    const signature = signatureOf(this.#workspace, [info.id, info.backbone, info.metatrain, ...info.teachers.map((t) => t.run)])
    if (this.#loaded && this.#loaded.models.info.id === hyperId && this.#loaded.signature === signature) return { models: this.#loaded.models, loadMs: 0 }
    this.clear()
    const t0 = performance.now()
    const models = await loadModels(this.#workspace, info)
    this.#loaded = { models, signature }
    return { models, loadMs: performance.now() - t0 }
  }

  clear(): void {
    this.#loaded?.models.dispose()
    this.#loaded = null
  }
}
