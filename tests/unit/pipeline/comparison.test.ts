import { describe, expect, it } from 'vitest'
import { comparisonRows, formatComparison, type MethodScore } from '../../../src-main/engine/stages/index.ts'

const score = (method: string, split: 'test' | 'train', rougeL: number | null, instances: number, wallSeconds: number, flops: number, tasks = 2): MethodScore => ({
  method,
  label: method,
  split,
  tasks,
  taskCount: 2,
  instances,
  rougeL,
  exactMatch: rougeL === null ? null : rougeL / 2,
  wallSeconds,
  flops,
  evalRun: rougeL === null ? null : `run-${method}-${split}`,
})

describe('comparison table', () => {
  const scores = [
    score('metatrain', 'test', 40, 200, 4, 2e9),
    score('metatrain', 'train', 60, 40, 1, 4e8),
    score('teacher', 'test', null, 0, 0, 0, 0),
    score('teacher', 'train', 70, 40, 1, 4e8),
    score('tagi', 'test', 35, 200, 1, 8e8),
    score('tagi', 'train', 50, 40, 0.5, 1.6e8),
  ]

  it('reports held-out and train scores and cost per 100 instances relative to the full-prompt baseline', () => {
    const rows = comparisonRows(scores)
    expect(rows.map((r) => r.method)).toEqual(['metatrain', 'teacher', 'tagi'])
    const tagi = rows.find((r) => r.method === 'tagi')!
    expect(tagi.heldOut).toEqual({ rougeL: 35, exactMatch: 17.5, tasks: '2/2' })
    expect(tagi.secondsPer100).toBeCloseTo(0.5, 10) // 1 s over 200 held-out instances
    expect(tagi.relativeTime).toBeCloseTo(0.25, 10) // vs 4 s / 200
    expect(tagi.relativeFlops).toBeCloseTo(0.4, 10)
    // No held-out task of a seen group: the teacher's cost comes from the training split.
    const teacher = rows.find((r) => r.method === 'teacher')!
    expect(teacher.heldOut).toEqual({ rougeL: null, exactMatch: null, tasks: '0/2' })
    expect(teacher.secondsPer100).toBeCloseTo(2.5, 10)
    expect(rows.find((r) => r.method === 'metatrain')!.relativeTime).toBe(1)
  })

  it('prints n/a where a method has no score, and no relative cost without the baseline', () => {
    expect(formatComparison(scores)).toMatch(/teacher +n\/a +n\/a +0\/2 +70\.0/)
    const withoutBaseline = comparisonRows(scores.filter((s) => s.method !== 'metatrain'))
    expect(withoutBaseline.every((r) => r.relativeTime === null)).toBe(true)
  })
})
