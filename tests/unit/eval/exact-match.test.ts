import { describe, expect, it } from 'vitest'
import { exactMatch, normalizeAnswer, pythonStrip } from '../../../src-main/engine/eval/exact-match.ts'

describe("SNI's exact match", () => {
  it('normalizes: lower-case, no ASCII punctuation, whitespace collapsed and stripped, articles kept', () => {
    expect(normalizeAnswer('  The  Cat\tsat.\n')).toBe('the cat sat')
    expect(normalizeAnswer("Don't-stop!")).toBe('dontstop')
    expect(normalizeAnswer('a an the')).toBe('a an the')
    expect(normalizeAnswer('Café »quoted«')).toBe('café »quoted«') // non-ASCII punctuation is kept
  })

  it("splits on exactly Python's whitespace", () => {
    expect(normalizeAnswer('a\u00a0b\x1fc\u3000d')).toBe('a b c d')
    expect(normalizeAnswer('a\ufeffb')).toBe('a\ufeffb') // U+FEFF is not whitespace in Python
    expect(pythonStrip('\x85 x y \u2028')).toBe('x y')
  })

  it('takes the maximum over references', () => {
    expect(exactMatch('Yes.', ['no', 'YES'])).toBe(1)
    expect(exactMatch('yes', ['no'])).toBe(0)
    expect(exactMatch('', [''])).toBe(1)
    expect(exactMatch('the answer', ['answer'])).toBe(0)
  })
})
