/**
 * Incremental reads of a run's `metrics.jsonl` for live charts. A training run appends one line per step
 * (engine/training/trainer.ts); a chart polls for the new ones every time a progress event arrives. Each
 * file is read from the byte offset reached last time, so a poll costs only the new lines, not the whole
 * history. A file that was replaced (a resume rewrites it atomically without the lines after its
 * checkpoint: a new inode) or got shorter is read again from the start. A torn last line (a crash mid-append, or a line still being written) is left
 * for the next read.
 */
import { open, stat } from 'node:fs/promises'
import type { MetricRow, RunMetrics } from '../../../contract/index.ts'

// Runs whose parsed rows stay in memory: a page overlays a handful of runs; older entries are re-read on demand.
const CACHE_LIMIT = 32

interface CachedFile {
  inode: number
  bytes: number
  rows: MetricRow[]
  keys: Set<string>
}

/** One metrics.jsonl line as a chart row: numeric values only; `step` from the line, else its 1-based position. */
export function metricRow(line: Record<string, unknown>, position: number): MetricRow {
  const row: Record<string, number> = {}
  for (const [key, value] of Object.entries(line)) {
    if (typeof value === 'number' && Number.isFinite(value)) row[key] = value
  }
  row.step = typeof line.step === 'number' && Number.isFinite(line.step) ? line.step : position
  return row as MetricRow
}

export class MetricsReader {
  readonly #cache = new Map<string, CachedFile>()

  /** Rows with step > `since` of the file at `path` (for run `id`); an absent file is an empty history. */
  async read(id: string, path: string, since: number): Promise<RunMetrics> {
    const file = await this.#refresh(id, path)
    return {
      id,
      rows: since > 0 ? file.rows.filter((row) => row.step > since) : file.rows.slice(),
      keys: [...file.keys],
      lastStep: file.rows.at(-1)?.step ?? 0,
      total: file.rows.length,
    }
  }

  async #refresh(id: string, path: string): Promise<CachedFile> {
    let size: number
    let inode: number
    try {
      ;({ size, ino: inode } = await stat(path))
    } catch {
      this.#cache.delete(id)
      return { inode: 0, bytes: 0, rows: [], keys: new Set() }
    }
    let cached = this.#cache.get(id)
    if (!cached || cached.inode !== inode || size < cached.bytes) cached = { inode, bytes: 0, rows: [], keys: new Set() }
    if (size > cached.bytes) await this.#append(cached, path, size)
    // Re-insert so the Map's order is least-recently-used first.
    this.#cache.delete(id)
    this.#cache.set(id, cached)
    if (this.#cache.size > CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!)
    return cached
  }

  async #append(cached: CachedFile, path: string, size: number): Promise<void> {
    const handle = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(size - cached.bytes)
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, cached.bytes)
      const text = buffer.subarray(0, bytesRead).toString('utf8')
      const complete = text.lastIndexOf('\n') + 1 // only whole lines; the rest waits for the next read
      for (const line of text.slice(0, complete).split('\n')) {
        if (!line.trim()) continue
        let parsed: unknown
        try {
          parsed = JSON.parse(line)
        } catch {
          continue // a line torn by a crash mid-append; the trainer rewrites the file on resume
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) continue
        const row = metricRow(parsed as Record<string, unknown>, cached.rows.length + 1)
        cached.rows.push(row)
        for (const key of Object.keys(row)) if (key !== 'step' && key !== 'time') cached.keys.add(key)
      }
      cached.bytes += Buffer.byteLength(text.slice(0, complete), 'utf8')
    } finally {
      await handle.close()
    }
  }
}
