/**
 * Scoring and aggregation of SNI-style predictions, as allenai/natural-instructions
 * `eval/automatic/evaluation.py` reports them: every number is a micro-average over instances × 100
 * (overall, per task, per category), the per-instance score being the maximum over the references;
 * the category key is the task's first category, lower-cased, spaces replaced by '_'.
 */
import { exactMatch } from './exact-match.ts'
import { rougeLMaxOverReferences } from './rouge.ts'

export interface ScoredInstance {
  task: string
  category: string
  id: string
  prediction: string
  references: string[]
  /** ROUGE-L F in [0, 1], max over references. */
  rougeL: number
  /** 0 or 1, max over references. */
  exactMatch: number
}

/** Averages × 100 over a group of instances. */
export interface GroupScore {
  instances: number
  rougeL: number
  exactMatch: number
}

/** SNI's category key: the first category, lower-cased, spaces → '_' (e.g. 'title_generation'). */
export function categoryKey(categories: readonly string[] | undefined): string {
  const first = categories?.[0]
  return first === undefined ? 'uncategorized' : first.toLowerCase().replace(/ /g, '_')
}

/** Score one prediction against its references with both SNI metrics. */
export function scoreInstance(init: Omit<ScoredInstance, 'rougeL' | 'exactMatch'>): ScoredInstance {
  if (init.references.length === 0) throw new Error(`instance '${init.id}' of task '${init.task}' has no references`)
  return {
    ...init,
    rougeL: rougeLMaxOverReferences(init.prediction, init.references),
    exactMatch: exactMatch(init.prediction, init.references),
  }
}

/** Micro-average × 100 over the instances (zeros for an empty group). */
export function averageScores(instances: readonly ScoredInstance[]): GroupScore {
  let rougeL = 0
  let em = 0
  for (const instance of instances) {
    rougeL += instance.rougeL
    em += instance.exactMatch
  }
  const n = instances.length
  return { instances: n, rougeL: n === 0 ? 0 : (100 * rougeL) / n, exactMatch: n === 0 ? 0 : (100 * em) / n }
}

/** Group by a key, keeping first-seen order, then average each group. */
export function averageBy(
  instances: readonly ScoredInstance[],
  key: (instance: ScoredInstance) => string,
): Map<string, GroupScore & { tasks: number }> {
  const groups = new Map<string, ScoredInstance[]>()
  for (const instance of instances) {
    const k = key(instance)
    const group = groups.get(k)
    if (group) group.push(instance)
    else groups.set(k, [instance])
  }
  const result = new Map<string, GroupScore & { tasks: number }>()
  for (const [k, group] of groups) result.set(k, { ...averageScores(group), tasks: new Set(group.map((i) => i.task)).size })
  return result
}
