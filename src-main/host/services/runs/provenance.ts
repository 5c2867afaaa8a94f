/**
 * Provenance: what a run was built from and what was built from it (Transformer Lab #113/#385, W&B
 * artifacts; anchors.md §2). run.json `parents` maps a role to ids: runs (backbone, teachers, metatrain,
 * pretrained, hypers, evaluate …) and a dataset reference ('suite', a workspace dataset id, or a folder).
 * Each id is resolved to what it names so the studio can link it; an id that names nothing is reported as
 * missing, not dropped.
 */
import { existsSync, statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import type { ProvenanceLink, ProvenanceTarget, RunDetail } from '../../../contract/index.ts'
import { readDatasetRecord } from '../../../engine/data/datasets.ts'
import type { RunRecord } from '../../../engine/store/run-store.ts'
import { SUITE_DATASET } from '../../../engine/stages/common.ts'
import type { Workspace } from '../../../engine/store/workspace.ts'

function idsOf(value: string | string[] | unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function resolveRef(ref: string, runs: ReadonlyMap<string, RunRecord>, workspace: Workspace): ProvenanceTarget {
  const run = runs.get(ref)
  if (run) return { kind: 'run', id: run.id, name: run.name, stage: run.stage, status: run.status }
  if (ref === SUITE_DATASET) return { kind: 'suite' }
  if (/^[\w.-]+$/.test(ref) && existsSync(`${workspace.datasetsDir}/${ref}/dataset.json`)) {
    try {
      return { kind: 'dataset', id: ref, name: readDatasetRecord(workspace, ref).name }
    } catch (error) {
      return { kind: 'missing', reason: (error as Error).message }
    }
  }
  if (isAbsolute(ref)) {
    return existsSync(ref) && statSync(ref).isDirectory() ? { kind: 'folder', path: ref } : { kind: 'missing', reason: `the folder ${ref} no longer exists` }
  }
  return { kind: 'missing', reason: `'${ref}' is neither a run nor a dataset of the workspace ${workspace.root}` }
}

/** One link per id referenced in a run's parents, in run.json's role order. */
export function provenanceOf(record: RunRecord, runs: ReadonlyMap<string, RunRecord>, workspace: Workspace): ProvenanceLink[] {
  return Object.entries(record.parents).flatMap(([role, value]) => idsOf(value).map((ref) => ({ role, ref, target: resolveRef(ref, runs, workspace) })))
}

/** Runs that name this one as a parent, and (for a pipeline) the stage runs its summary lists. */
export function childrenOf(record: RunRecord, runs: ReadonlyMap<string, RunRecord>): RunDetail['children'] {
  const children: RunDetail['children'] = []
  const seen = new Set<string>()
  const add = (role: string, child: RunRecord) => {
    if (seen.has(child.id)) return
    seen.add(child.id)
    children.push({ role, id: child.id, name: child.name, stage: child.stage, status: child.status })
  }
  const stageRuns = record.summary.runs
  if (record.stage === 'pipeline' && stageRuns !== null && typeof stageRuns === 'object') {
    for (const [key, id] of Object.entries(stageRuns as Record<string, unknown>)) {
      const child = typeof id === 'string' ? runs.get(id) : undefined
      if (child) add(key, child)
    }
  }
  for (const other of runs.values()) {
    for (const [role, value] of Object.entries(other.parents)) if (idsOf(value).includes(record.id)) add(`${role} of`, other)
  }
  return children
}
