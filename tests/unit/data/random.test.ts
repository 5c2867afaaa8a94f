// The shared seeded PRNG: reproducible streams, exact ranges, resumable state.
import { describe, expect, it } from 'vitest'
import { hashString, Rng } from '../../../src-main/engine/data/random.ts'

describe('Rng (mulberry32)', () => {
  it('produces the same stream for the same seed and a different one otherwise', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((rng) => () => rng.next())(new Rng(seed)))
    expect(draw(1)).toEqual(draw(1))
    expect(draw(1)).not.toEqual(draw(2))
    // Reference value of mulberry32(seed = 1), first output: 1655918026 / 2^32.
    expect(new Rng(1).next()).toBeCloseTo(0.6270739405881613, 15)
  })

  it('keeps int() inside [low, high) and covers it', () => {
    const rng = new Rng(7)
    const seen = new Set<number>()
    for (let i = 0; i < 1000; i++) seen.add(rng.int(-2, 3))
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2])
    expect(() => rng.int(3, 3)).toThrow(/low < high/)
    expect(() => rng.pick([])).toThrow(/empty/)
    expect(() => rng.sample([1, 2], 3)).toThrow(/3 of 2/)
  })

  it('resumes exactly from a saved state, and derives independent named streams', () => {
    const rng = new Rng(11)
    rng.next()
    const saved = rng.state
    const next = [rng.next(), rng.next()]
    const resumed = new Rng(0).setState(saved)
    expect([resumed.next(), resumed.next()]).toEqual(next)
    expect(Rng.derive(5, 'a').next()).toBe(Rng.derive(5, 'a').next())
    expect(Rng.derive(5, 'a').next()).not.toBe(Rng.derive(5, 'b').next())
    expect(hashString('')).toBe(0x811c9dc5)
    expect(new Rng(3).shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5])
  })
})
