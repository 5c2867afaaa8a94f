/**
 * The Runs domain service (contract/runs.ts): the workspace's run store read for the studio's Runs page.
 * Everything here is a quick read of small files (run.json, checkpoint.json, the new tail of
 * metrics.jsonl); the work itself is a job (resume queues one), so no handler holds the event loop.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError, type RunDetail, type RunSummary } from '../../contract/index.ts'
import type { Run, RunRecord } from '../../engine/store/run-store.ts'
import { Workspace } from '../../engine/store/workspace.ts'
import { diffConfigs } from './runs/config-diff.ts'
import { checkpointStep, jobsByRun, kindOf, resumeKindOf, resumeParams, STAGE_KINDS } from './runs/job-link.ts'
import { MetricsReader } from './runs/metrics-reader.ts'
import { childrenOf, provenanceOf } from './runs/provenance.ts'
import type { DomainService, HostContext } from './types.ts'

export const runsService: DomainService = (context: HostContext) => {
  // Opened on first use: a workspace that cannot be created is then one request's error, not the host's.
  let opened: Workspace | null = null
  const workspace = () => (opened ??= new Workspace(context.workspaceDir))
  const metrics = new MetricsReader()

  /** Open a run, turning "no such run" into a not-found error that names the id. */
  function open(id: string): Run {
    try {
      return workspace().runs.open(id)
    } catch (error) {
      throw new StudioError('not-found', (error as Error).message)
    }
  }

  function summaries(records: readonly RunRecord[]): RunSummary[] {
    const owners = jobsByRun(records, context.jobs.list())
    const kinds = context.jobs.kinds()
    return records.map((record) => {
      const jobId = owners.get(record.id) ?? null
      const resumable = record.status !== 'completed' && jobId === null && resumeKindOf(record.stage, kinds) !== null
      const { config: _config, error, ...rest } = record
      const kind = kindOf(record.stage, kinds)?.kind ?? null
      return { ...rest, error: error ?? null, jobId, kind, resumable, checkpointStep: checkpointStep(join(workspace().runs.root, record.id)) }
    })
  }

  const allRecords = () => workspace().runs.list().runs

  return {
    'runs.list': () => {
      const { runs, unreadable } = workspace().runs.list()
      return { runs: summaries(runs), unreadable }
    },

    'runs.get': ({ id }): RunDetail => {
      const run = open(id)
      const records = allRecords()
      const byId = new Map(records.map((record) => [record.id, record]))
      const summary = summaries(records).find((item) => item.id === id) ?? summaries([run.record])[0]!
      return {
        ...summary,
        config: run.record.config,
        dir: run.dir,
        provenance: provenanceOf(run.record, byId, workspace()),
        children: childrenOf(run.record, byId),
        files: readdirSync(run.dir).filter((name) => !name.startsWith('.')).sort(),
      }
    },

    'runs.metrics': ({ id, since }) => metrics.read(id, open(id).path('metrics.jsonl'), since),

    'runs.diff': ({ a, b }) => {
      const left = open(a).record
      const right = open(b).record
      return { a: { id: left.id, name: left.name, stage: left.stage }, b: { id: right.id, name: right.name, stage: right.stage }, ...diffConfigs(left.config, right.config) }
    },

    'runs.resume': ({ id }) => {
      const run = open(id)
      const resumableStages = Object.keys(STAGE_KINDS).filter((stage) => resumeKindOf(stage, context.jobs.kinds()))
      const kind = resumeKindOf(run.record.stage, context.jobs.kinds())
      if (!kind) throw new StudioError('invalid-params', `run ${id} is a '${run.record.stage}' run, which cannot be resumed (resumable stages: ${resumableStages.join(', ')})`)
      if (run.record.status === 'completed') throw new StudioError('invalid-params', `run ${id} is already completed; there is nothing to resume`)
      const owner = jobsByRun(allRecords(), context.jobs.list()).get(id)
      if (owner) throw new StudioError('invalid-params', `run ${id} is being written by job ${owner}; cancel it first or wait for it to end`)
      return context.jobs.start({ kind: kind.kind, params: resumeParams(run.record, kind) })
    },
  }
}
