/** How the Datasets and Evaluation pages print the engine's numbers (scores are already ×100). */

/** A score with one decimal, as the paper's tables; an en dash where a method has none. */
export function score(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '–' : value.toFixed(digits)
}

/** A ratio to the full-prompt baseline: ×0.42. */
export function ratio(value: number | null): string {
  return value === null ? '–' : `×${value.toFixed(2)}`
}

/** A signed difference in points: +1.3 / −0.4. */
export function delta(value: number | null): string {
  if (value === null) return ''
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}`
}

/** A length statistic: whole numbers stay whole, means get one decimal. */
export function amount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}

export function dateTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ')
}

export const SPLIT_LABELS = { train: 'training', test: 'held-out' } as const
