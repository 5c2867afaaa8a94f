/**
 * The difference between two runs' configs, as W&B's Run Comparer shows it (anchors.md §2.6, #2470):
 * both configs flattened to dotted key paths (`training.learningRate`), each path marked changed, added
 * (only in b), removed (only in a) or the same. Arrays are leaves compared whole (a list of teachers or
 * targets reads better as one value than as `teachers.0`, `teachers.1`).
 */
import { DIFF_STATUSES, type ConfigDiffEntry, type DiffStatus } from '../../../contract/index.ts'

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Dotted path → leaf value. An empty object is a leaf too, so `{}` against a filled one still shows. */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (isPlainObject(value) && Object.keys(value).length > 0) for (const [inner, leaf] of flattenConfig(value, path)) out.set(inner, leaf)
    else out.set(path, value)
  }
  return out
}

export function diffConfigs(a: Record<string, unknown>, b: Record<string, unknown>): { entries: ConfigDiffEntry[]; counts: Record<DiffStatus, number> } {
  const left = flattenConfig(a)
  const right = flattenConfig(b)
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort()
  const counts = Object.fromEntries(DIFF_STATUSES.map((status) => [status, 0])) as Record<DiffStatus, number>
  const entries = paths.map((path): ConfigDiffEntry => {
    const inA = left.has(path)
    const inB = right.has(path)
    const status: DiffStatus = !inA ? 'added' : !inB ? 'removed' : JSON.stringify(left.get(path)) === JSON.stringify(right.get(path)) ? 'same' : 'changed'
    counts[status] += 1
    return { path, status, ...(inA ? { a: left.get(path) } : {}), ...(inB ? { b: right.get(path) } : {}) }
  })
  return { entries, counts }
}
