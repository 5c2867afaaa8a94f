/**
 * Learning-rate schedule: linear warmup, then constant (tagi-method.md §4: DeepSpeed `WarmupLR` /
 * HF `--lr_scheduler_type constant`, warmup 2% of the steps), or a linear decay to 0 as an option.
 */
export interface ScheduleConfig {
  /** Peak learning rate. */
  learningRate: number
  /** Fraction of the steps spent warming up linearly from 0; 0.02 is the paper's value. */
  warmupFraction: number
  /** After warmup: 'constant' (paper) or 'linear' decay to 0 at the last step. */
  decay: 'constant' | 'linear'
}

/** Learning rate for update number `step` (1-based) out of `totalSteps`. */
export function learningRateAt(step: number, totalSteps: number, config: ScheduleConfig): number {
  if (!(config.learningRate > 0)) throw new Error(`schedule: learningRate must be > 0, got ${config.learningRate}`)
  if (config.warmupFraction < 0 || config.warmupFraction >= 1) throw new Error(`schedule: warmupFraction must be in [0, 1), got ${config.warmupFraction}`)
  const warmup = Math.round(config.warmupFraction * totalSteps)
  if (step <= warmup) return (config.learningRate * step) / warmup
  if (config.decay === 'constant') return config.learningRate
  return (config.learningRate * Math.max(0, totalSteps - step + 1)) / Math.max(1, totalSteps - warmup)
}
