/**
 * The comparison table of the pipeline: one row per method, ROUGE-L and EM on held-out and training
 * tasks, and inference cost per 100 instances relative to the full-prompt baseline (tagi-method.md §7.1
 * reports FLOPs relative to Tk-Instruct; wall time is what a user of this machine feels).
 */
export interface MethodScore {
  method: string
  label: string
  split: 'test' | 'train'
  /** Tasks scored, out of `taskCount` in the split (the teacher only covers tasks of seen groups). */
  tasks: number
  taskCount: number
  instances: number
  rougeL: number | null
  exactMatch: number | null
  wallSeconds: number
  flops: number
  evalRun: string | null
}

export interface ComparisonRow {
  method: string
  label: string
  heldOut: { rougeL: number | null; exactMatch: number | null; tasks: string }
  train: { rougeL: number | null; exactMatch: number | null; tasks: string }
  secondsPer100: number | null
  relativeTime: number | null
  relativeFlops: number | null
}

/** The baseline every cost is relative to: reading the full prompt with the meta-trained model. */
export const COST_BASELINE = 'metatrain'

export function comparisonRows(scores: readonly MethodScore[]): ComparisonRow[] {
  const methods = [...new Set(scores.map((s) => s.method))]
  const per100 = (s: MethodScore | undefined) => (s && s.instances > 0 ? { time: (100 * s.wallSeconds) / s.instances, flops: (100 * s.flops) / s.instances } : null)
  // Cost on the held-out split (the one every method covers best); the training split if there is none.
  const costOf = (method: string) => per100(scores.find((s) => s.method === method && s.split === 'test' && s.instances > 0) ?? scores.find((s) => s.method === method && s.instances > 0))
  const base = costOf(COST_BASELINE)
  return methods.map((method) => {
    const of = (split: 'test' | 'train') => {
      const s = scores.find((x) => x.method === method && x.split === split)
      return { rougeL: s?.rougeL ?? null, exactMatch: s?.exactMatch ?? null, tasks: s ? `${s.tasks}/${s.taskCount}` : '-' }
    }
    const cost = costOf(method)
    return {
      method,
      label: scores.find((s) => s.method === method)!.label,
      heldOut: of('test'),
      train: of('train'),
      secondsPer100: cost?.time ?? null,
      relativeTime: cost && base ? cost.time / base.time : null,
      relativeFlops: cost && base && base.flops > 0 ? cost.flops / base.flops : null,
    }
  })
}

export function formatComparison(scores: readonly MethodScore[]): string {
  const num = (x: number | null, digits = 1) => (x === null ? 'n/a' : x.toFixed(digits))
  const rows = comparisonRows(scores).map((r) => [
    r.label,
    num(r.heldOut.rougeL),
    num(r.heldOut.exactMatch),
    r.heldOut.tasks,
    num(r.train.rougeL),
    num(r.train.exactMatch),
    r.train.tasks,
    num(r.secondsPer100, 2),
    r.relativeTime === null ? 'n/a' : `×${r.relativeTime.toFixed(2)}`,
    r.relativeFlops === null ? 'n/a' : `×${r.relativeFlops.toFixed(2)}`,
  ])
  const header = ['method', 'held-out RL', 'EM', 'tasks', 'train RL', 'EM', 'tasks', 's/100 inst', 'time vs full prompt', 'FLOPs vs full prompt']
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
