import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lcsLength, rougeL, rougeLMaxOverReferences, rougeTokenize } from '../../../src-main/engine/eval/rouge.ts'

interface FixtureCase {
  prediction: string
  references: string[]
  tokens_prediction: string[]
  rougeL: number
}

// Reference values from rouge_score + NLTK (Python), the tools SNI's evaluation uses.
const fixture = JSON.parse(readFileSync(resolve(__dirname, '../../../../shared/fixtures/rouge/cases.json'), 'utf8')) as {
  cases: FixtureCase[]
  mean_rougeL_x100: number
}

describe('ROUGE-L as SNI computes it', () => {
  it('has the fixture cases to check', () => {
    expect(fixture.cases.length).toBe(200)
  })

  fixture.cases.forEach((c, i) => {
    it(`case ${i}: tokens and max-over-references F`, () => {
      expect(rougeTokenize(c.prediction)).toEqual(c.tokens_prediction)
      expect(Math.abs(rougeLMaxOverReferences(c.prediction, c.references) - c.rougeL)).toBeLessThanOrEqual(1e-9)
    })
  })

  it('reproduces the micro-averaged score × 100', () => {
    const mean = (100 * fixture.cases.reduce((sum, c) => sum + rougeLMaxOverReferences(c.prediction, c.references), 0)) / fixture.cases.length
    expect(Math.abs(mean - fixture.mean_rougeL_x100)).toBeLessThanOrEqual(1e-9)
  })

  it('tokenizes: lower-case, non-alphanumerics to spaces, stems only tokens longer than 3', () => {
    expect(rougeTokenize("It's the U.S.A.'s café, running!")).toEqual(['it', 's', 'the', 'u', 's', 'a', 's', 'caf', 'run'])
    expect(rougeTokenize('  ')).toEqual([])
    expect(rougeTokenize('dies ties')).toEqual(['die', 'tie'])
  })

  it('computes LCS and the F-measure by hand', () => {
    expect(lcsLength(['a', 'b', 'c', 'd'], ['b', 'd', 'x'])).toBe(2)
    expect(lcsLength([], ['a'])).toBe(0)
    // pred "the cat sat" vs ref "the cat was on the mat": LCS 2, P = 2/3, R = 2/6, F = 4/9
    expect(rougeL('the cat sat', 'the cat was on the mat')).toBeCloseTo(4 / 9, 12)
    expect(rougeL('', 'x')).toBe(0)
    expect(rougeL('!!', '??')).toBe(0)
    expect(rougeLMaxOverReferences('No', ['Yes', 'no'])).toBe(1)
  })
})
