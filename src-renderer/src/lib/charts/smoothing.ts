/**
 * Chart smoothing as TensorBoard and W&B do it (anchors.md §3.7 point 10): an exponential moving average
 * with debiasing, so the curve starts at the first value instead of climbing up from zero
 * (TensorBoard's scalar dashboard, `vz_line_chart2`: `last = last·w + (1−w)·y; smoothed = last / (1 − wⁿ)`).
 * A display transform only: the raw values stay as the engine wrote them and are drawn faintly beside it.
 */

/** Smoothed copy of `values` (weight w in [0, 1); 0 = raw). Missing or non-finite values pass through as gaps. */
export function debiasedEma(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999)
  let last = 0
  let seen = 0
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null
    last = last * w + (1 - w) * value
    seen += 1
    const debias = w === 0 ? 1 : 1 - w ** seen
    return last / debias
  })
}

export interface SeriesStats {
  last: number | null
  min: number | null
  max: number | null
  /** Finite values in the series. */
  count: number
}

/** Last, min and max of the raw values (Aim #986: the best value, not only the last). */
export function seriesStats(values: readonly (number | null)[]): SeriesStats {
  let last: number | null = null
  let min = Infinity
  let max = -Infinity
  let count = 0
  for (const value of values) {
    if (value === null || !Number.isFinite(value)) continue
    last = value
    min = Math.min(min, value)
    max = Math.max(max, value)
    count += 1
  }
  return count === 0 ? { last: null, min: null, max: null, count } : { last, min, max, count }
}
