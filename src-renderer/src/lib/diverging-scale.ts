/**
 * A diverging colour scale for the Adapters heatmaps: negative values cool, positive warm, zero neutral
 * (ColorBrewer RdBu ends). Strength is an opacity over the theme's own cell background, so the neutral
 * midpoint is right in both light and dark themes without a second palette.
 */
export const COOL = '#2f6db5'
export const WARM = '#c2412d'

export interface CellPaint {
  fill: string
  opacity: number
}

/** t in [-1, 1] → colour and opacity; null (undefined value) → none. */
export function divergingPaint(t: number | null): CellPaint | null {
  if (t === null || Number.isNaN(t)) return null
  const clamped = Math.max(-1, Math.min(1, t))
  // A floor keeps small values visible as a tint; sqrt spreads the low end where most cosines sit.
  return { fill: clamped < 0 ? COOL : WARM, opacity: clamped === 0 ? 0 : 0.08 + 0.92 * Math.sqrt(Math.abs(clamped)) }
}

/** Norm ratio A/B on a log₂ scale: ×1 is neutral, ×8 (or ×1/8) saturates. */
export const RATIO_SATURATION_LOG2 = 3
export function ratioToUnit(value: number | null): number | null {
  return value === null || value <= 0 ? null : Math.log2(value) / RATIO_SATURATION_LOG2
}
