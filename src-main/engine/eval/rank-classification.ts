/**
 * Rank classification for tasks with answer options, as TAGI scores P3 (tagi-method.md §6.2; TAGI
 * `p3_trainer.py: prediction_step`, `run_s2s_kd_ac.py: compute_p3_metrics`, after T0 / HyperT5):
 * teacher-force every option, take its per-token mean negative log-likelihood over the option's real tokens
 * (EOS included), predict the option with the lowest value, and count it correct when
 * `prediction.strip() == gold.strip()`.
 *
 * It is written against an `OptionScorer`, so any model (T5 alone, with a LoRA, with a generated adapter)
 * plugs in; `t5-option-scorer.ts` is the T5 one.
 */

import { pythonStrip } from './exact-match.ts'

/**
 * Mean NLL per option: `result[i][k]` scores `options[i][k]` as the continuation of `inputs[i]`. Instances may
 * have different numbers of options.
 */
export type OptionScorer = (inputs: string[], options: string[][]) => Promise<number[][]>

export interface RankInstance {
  input: string
  options: string[]
  /** The correct answer's text (compared to the chosen option after trimming both). */
  gold: string
}

export interface RankPrediction {
  /** Index of the chosen option (the lowest mean NLL; the first one on ties, as `argmin` does). */
  choice: number
  prediction: string
  correct: boolean
  /** Mean NLL of each option, as the scorer returned it. */
  scores: number[]
}

export interface RankResult {
  predictions: RankPrediction[]
  /** Fraction of instances answered correctly, in [0, 1]; 0 for an empty list. */
  accuracy: number
}

/** Index of the smallest value; the first on ties. NaN never wins, so a broken score cannot be chosen. */
export function argmin(values: readonly number[]): number {
  let best = -1
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]!)) continue
    if (best === -1 || values[i]! < values[best]!) best = i
  }
  if (best === -1) throw new Error(`argmin: no comparable value among ${values.length} scores (all NaN or none)`)
  return best
}

/** Score every instance's options with `scorer` (in chunks of `batchSize` instances) and pick the lowest NLL. */
export async function rankClassify(
  scorer: OptionScorer,
  instances: readonly RankInstance[],
  { batchSize = 8 }: { batchSize?: number } = {},
): Promise<RankResult> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`rankClassify: batchSize must be a positive integer, got ${batchSize}`)
  instances.forEach((instance, i) => {
    if (instance.options.length === 0) throw new Error(`rankClassify: instance ${i} has no options`)
  })
  const predictions: RankPrediction[] = []
  for (let start = 0; start < instances.length; start += batchSize) {
    const chunk = instances.slice(start, start + batchSize)
    const scores = await scorer(
      chunk.map((instance) => instance.input),
      chunk.map((instance) => instance.options),
    )
    if (scores.length !== chunk.length) {
      throw new Error(`rankClassify: scorer returned ${scores.length} score lists for ${chunk.length} instances`)
    }
    chunk.forEach((instance, i) => {
      const optionScores = scores[i]!
      if (optionScores.length !== instance.options.length) {
        throw new Error(
          `rankClassify: scorer returned ${optionScores.length} scores for instance ${start + i} with ${instance.options.length} options`,
        )
      }
      const choice = argmin(optionScores)
      const prediction = instance.options[choice]!
      predictions.push({ choice, prediction, correct: pythonStrip(prediction) === pythonStrip(instance.gold), scores: optionScores })
    })
  }
  const correct = predictions.filter((p) => p.correct).length
  return { predictions, accuracy: predictions.length === 0 ? 0 : correct / predictions.length }
}
