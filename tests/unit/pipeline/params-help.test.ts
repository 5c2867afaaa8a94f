/**
 * Every option of every stage's params schema carries a help line: the studio's generated launch forms show
 * the JSON Schema `description` under each field, so an option without one would be a bare name.
 */
import { describe, expect, it } from 'vitest'
import type { JsonSchema } from '../../../src-main/contract/index.ts'
import { paramsJsonSchema } from '../../../src-main/engine/jobs/params-schema.ts'
import { STAGE_JOB_KINDS } from '../../../src-main/engine/stages/index.ts'

/** Paths (kind.a.b) of properties without a description, descending into nested objects and nullable unions. */
function undescribed(schema: JsonSchema, path: string): string[] {
  const missing: string[] = []
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    const at = `${path}.${key}`
    if (typeof value.description !== 'string' || value.description.length < 10) missing.push(at)
    missing.push(...undescribed(value, at))
    for (const option of value.anyOf ?? []) missing.push(...undescribed(option, at))
  }
  return missing
}

describe('stage params help lines', () => {
  it.each(STAGE_JOB_KINDS.map((kind) => [kind.kind, kind] as const))('%s describes every option', (_name, kind) => {
    const json = paramsJsonSchema(kind.params)
    expect(Object.keys(json.properties ?? {}).length).toBeGreaterThan(0)
    expect(undescribed(json, kind.kind)).toEqual([])
  })
})
