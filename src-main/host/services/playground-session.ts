/**
 * What the Playground and the Adapters page share inside one engine host: the cached models, the adapters
 * generated in this session (kept as tensors, so a try or a comparison needs no file), the folders exported
 * in this session, float64 low-rank copies of adapter folders for the analysis (engine/analysis), and a
 * queue that runs Playground work one request at a time, so a model is never swapped out mid-request.
 * One session per host: both services receive the same HostContext object.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError, type GenerationResult } from '../../contract/index.ts'
import { loadAdapterDir, type LowRankSet } from '../../engine/analysis/index.ts'
import type { SniTask } from '../../engine/data/sni/task.ts'
import { disposeConditioning, type TaskConditioning } from '../../engine/eval/conditioning.ts'
import { InstructionStore } from '../../engine/playground/index.ts'
import type { PromptOptions } from '../../engine/stages/examples.ts'
import { Workspace } from '../../engine/store/workspace.ts'
import { PlaygroundModelCache } from './playground-models.ts'
import type { HostContext } from './types.ts'

/** The folder under the workspace where exports go by default, and which the Adapters page lists. */
export const SAVED_ADAPTERS_DIR = 'adapters'
// Generations kept in memory: a session's worth of tries; older ones are released (tiny ones are ~50 KB,
// a t5-base rank-32 adapter ~7 MB).
const GENERATION_LIMIT = 16

export interface Generation {
  result: GenerationResult
  task: SniTask
  /** The prompt settings for this instruction (def or def+2pos) with the run's token budget. */
  prompt: PromptOptions
  /** The generated adapters (per-example, batch 1) and fused states; released when evicted. */
  conditioning: TaskConditioning
  lowRank: LowRankSet
  /** The folder it was last exported to, if any. */
  exportedTo: string | null
}

export class PlaygroundSession {
  readonly workspace: Workspace
  readonly models: PlaygroundModelCache
  readonly instructions: InstructionStore
  readonly savedAdaptersDir: string
  readonly #generations = new Map<string, Generation>()
  readonly #exported = new Set<string>()
  readonly #lowRank = new Map<string, { stamp: number; set: LowRankSet }>()
  #queue: Promise<unknown> = Promise.resolve()

  constructor(workspaceDir: string) {
    this.workspace = new Workspace(workspaceDir)
    this.models = new PlaygroundModelCache(this.workspace)
    this.instructions = new InstructionStore(this.workspace.root)
    this.savedAdaptersDir = join(this.workspace.root, SAVED_ADAPTERS_DIR)
  }

  /** Run `work` after every earlier Playground request has finished (requests still interleave with jobs). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work)
    this.#queue = next.catch(() => {})
    return next
  }

  addGeneration(generation: Generation): void {
    this.#generations.set(generation.result.id, generation)
    while (this.#generations.size > GENERATION_LIMIT) {
      const [oldest, evicted] = this.#generations.entries().next().value as [string, Generation]
      disposeConditioning(evicted.conditioning)
      this.#generations.delete(oldest)
    }
  }

  generation(id: string): Generation {
    const found = this.#generations.get(id)
    if (!found) {
      throw new StudioError('not-found', `no generation '${id}' in this engine session (it holds ${this.#generations.size}: generations live until the engine restarts, the ${GENERATION_LIMIT} newest are kept); generate the adapter again`)
    }
    return found
  }

  /** Newest first. */
  generations(): Generation[] {
    return [...this.#generations.values()].reverse()
  }

  recordExport(generation: Generation, dir: string): void {
    generation.exportedTo = dir
    this.#exported.add(dir)
  }

  exportedDirs(): string[] {
    return [...this.#exported].filter((dir) => existsSync(join(dir, 'adapter_config.json')))
  }

  /** A PEFT folder as float64 low-rank pairs, cached until its weights file changes. */
  lowRankOfDir(dir: string): LowRankSet {
    const weights = join(dir, 'adapter_model.safetensors')
    const stamp = existsSync(weights) ? statSync(weights).mtimeMs : -1
    const cached = this.#lowRank.get(dir)
    if (cached && cached.stamp === stamp) return cached.set
    const set = loadAdapterDir(dir) // throws naming the missing file or bad tensor
    this.#lowRank.set(dir, { stamp, set })
    return set
  }
}

const sessions = new WeakMap<HostContext, PlaygroundSession>()

export function playgroundSession(context: HostContext): PlaygroundSession {
  let session = sessions.get(context)
  if (!session) {
    session = new PlaygroundSession(context.workspaceDir)
    sessions.set(context, session)
  }
  return session
}
