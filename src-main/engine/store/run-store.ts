/**
 * The run store: one folder per run under `<workspace>/runs/<id>/` (decisions.md §3).
 *
 *   run.json        the run record: resolved config, stage, parents (dataset, backbone, teachers), status
 *   metrics.jsonl   append-only, one JSON object per logged step
 *   *.safetensors   checkpoints and artefacts, written atomically
 *
 * Small JSON files with unique ids keep runs diffable and make provenance a matter of reading run.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { appendLine, writeJsonAtomic } from './atomic.ts'

export type RunStatus = 'created' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted'

export interface RunRecord {
  id: string
  /** Human-readable name; defaults to `<stage>-<date>`. */
  name: string
  /** Which stage or job kind produced the run: 'backbone', 'teacher', 'hyper-pretrain', 'eval', ... */
  stage: string
  status: RunStatus
  createdAt: string
  updatedAt: string
  /** The fully resolved configuration: every default filled in, so the run can be reproduced. */
  config: Record<string, unknown>
  /** Ids of the runs and datasets this run was built from, by role (e.g. {dataset: 'ds-…', backbone: 'run-…'}). */
  parents: Record<string, string | string[]>
  /** Short results worth showing in a list (final loss, scores); the details live in the run's files. */
  summary: Record<string, unknown>
  error?: string
}

export function newId(prefix: string): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)
  return `${prefix}-${stamp}-${randomBytes(3).toString('hex')}`
}

export class RunStore {
  readonly root: string

  constructor(workspace: string) {
    this.root = join(workspace, 'runs')
    mkdirSync(this.root, { recursive: true })
  }

  create(init: { stage: string; config: Record<string, unknown>; parents?: RunRecord['parents']; name?: string }): Run {
    const id = newId('run')
    const now = new Date().toISOString()
    const record: RunRecord = {
      id,
      name: init.name ?? `${init.stage}-${now.slice(0, 16).replace('T', ' ')}`,
      stage: init.stage,
      status: 'created',
      createdAt: now,
      updatedAt: now,
      config: init.config,
      parents: init.parents ?? {},
      summary: {},
    }
    const run = new Run(join(this.root, id), record)
    run.save()
    return run
  }

  /** Open an existing run; throws a clear error when the id is unknown or its run.json is unreadable. */
  open(id: string): Run {
    if (!/^[\w.-]+$/.test(id)) throw new Error(`invalid run id '${id}'`)
    const dir = join(this.root, id)
    const file = join(dir, 'run.json')
    if (!existsSync(file)) throw new Error(`no run '${id}' in ${this.root}`)
    let record: RunRecord
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord
    } catch (error) {
      throw new Error(`run '${id}': run.json is not valid JSON (${(error as Error).message})`)
    }
    return new Run(dir, record)
  }

  /** Every run, newest first. Unreadable folders are reported, not skipped silently. */
  list(): { runs: RunRecord[]; unreadable: { id: string; error: string }[] } {
    const runs: RunRecord[] = []
    const unreadable: { id: string; error: string }[] = []
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      try {
        runs.push(this.open(entry.name).record)
      } catch (error) {
        unreadable.push({ id: entry.name, error: (error as Error).message })
      }
    }
    runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    return { runs, unreadable }
  }
}

export class Run {
  constructor(
    readonly dir: string,
    public record: RunRecord,
  ) {}

  get id(): string {
    return this.record.id
  }

  path(file: string): string {
    return join(this.dir, file)
  }

  save(): void {
    writeJsonAtomic(this.path('run.json'), this.record)
  }

  update(patch: Partial<Omit<RunRecord, 'id' | 'createdAt'>>): void {
    this.record = { ...this.record, ...patch, updatedAt: new Date().toISOString() }
    this.save()
  }

  appendMetric(metric: Record<string, unknown>): void {
    appendLine(this.path('metrics.jsonl'), JSON.stringify({ time: Date.now(), ...metric }))
  }

  readMetrics(): Record<string, unknown>[] {
    const file = this.path('metrics.jsonl')
    if (!existsSync(file)) return []
    const rows: Record<string, unknown>[] = []
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue
      // A crash mid-append can leave one torn last line; every complete line is kept.
      try {
        rows.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        continue
      }
    }
    return rows
  }
}
