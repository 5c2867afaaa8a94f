import { describe, expect, it } from 'vitest'
import { argmin, rankClassify, type OptionScorer } from '../../../src-main/engine/eval/rank-classification.ts'

// A scorer whose mean NLLs are known: the NLL of an option is its distance (in characters) from a hidden answer
// written in the input after '=>'.
const distanceScorer: OptionScorer = async (inputs, options) =>
  inputs.map((input, i) => {
    const hidden = input.split('=>')[1]!.trim()
    return options[i]!.map((option) => Math.abs(option.length - hidden.length) + (option === hidden ? 0 : 0.5))
  })

describe('rank classification', () => {
  it('argmin picks the first lowest value and ignores NaN', () => {
    expect(argmin([3, 1, 2, 1])).toBe(1)
    expect(argmin([Number.NaN, 5, 4])).toBe(2)
    expect(() => argmin([Number.NaN])).toThrow(/no comparable value/)
  })

  it('predicts the lowest-NLL option and scores accuracy with stripped comparison', async () => {
    const instances = [
      { input: 'q1 => yes', options: ['no', 'yes', 'maybe'], gold: 'yes' },
      { input: 'q2 => maybe', options: ['no', 'yes', 'maybe'], gold: ' maybe ' },
      { input: 'q3 => no', options: ['yes', 'no'], gold: 'yes' }, // the model is wrong here
    ]
    const result = await rankClassify(distanceScorer, instances, { batchSize: 2 })
    expect(result.predictions.map((p) => p.prediction)).toEqual(['yes', 'maybe', 'no'])
    expect(result.predictions.map((p) => p.choice)).toEqual([1, 2, 1])
    expect(result.predictions.map((p) => p.correct)).toEqual([true, true, false])
    expect(result.accuracy).toBeCloseTo(2 / 3, 12)
    expect(result.predictions[0]!.scores).toEqual([1.5, 0, 2.5])
  })

  it('calls the scorer in batches of instances', async () => {
    const batches: number[] = []
    const counting: OptionScorer = async (inputs, options) => {
      batches.push(inputs.length)
      return distanceScorer(inputs, options)
    }
    const instances = Array.from({ length: 5 }, () => ({ input: 'x => a', options: ['a', 'bb'], gold: 'a' }))
    const result = await rankClassify(counting, instances, { batchSize: 2 })
    expect(batches).toEqual([2, 2, 1])
    expect(result.accuracy).toBe(1)
  })

  it('rejects a scorer whose output has the wrong shape, and bad input', async () => {
    const short: OptionScorer = async (inputs) => inputs.map(() => [0])
    await expect(rankClassify(short, [{ input: 'x', options: ['a', 'b'], gold: 'a' }])).rejects.toThrow(
      /returned 1 scores for instance 0 with 2 options/,
    )
    await expect(rankClassify(distanceScorer, [{ input: 'x => a', options: [], gold: 'a' }])).rejects.toThrow(/no options/)
    await expect(rankClassify(distanceScorer, [], { batchSize: 0 })).rejects.toThrow(/batchSize/)
    expect((await rankClassify(distanceScorer, [])).accuracy).toBe(0)
  })
})
