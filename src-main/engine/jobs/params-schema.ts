/**
 * A job kind's params schema as JSON Schema, for the studio's generated launch forms. zod 4 writes it
 * (`z.toJSONSchema`, draft 2020-12) from the same schema the manager validates with, so a form can never
 * offer an option the engine does not take, nor miss one it does. The input side is used: fields with a
 * default are optional there and carry that default.
 */
import { z } from 'zod'
import type { JsonSchema } from '../../contract/index.ts'

/** The largest integer JSON Schema writes for `.int()` bounds; a bound this size is no real limit, so it is dropped. */
const SAFE_INTEGER = Number.MAX_SAFE_INTEGER

function withoutSafeIntegerBounds(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema }
  if (out.maximum === SAFE_INTEGER) delete out.maximum
  if (out.minimum === -SAFE_INTEGER) delete out.minimum
  if (out.properties) out.properties = Object.fromEntries(Object.entries(out.properties).map(([key, value]) => [key, withoutSafeIntegerBounds(value)]))
  if (out.items) out.items = withoutSafeIntegerBounds(out.items)
  if (out.anyOf) out.anyOf = out.anyOf.map(withoutSafeIntegerBounds)
  if (out.oneOf) out.oneOf = out.oneOf.map(withoutSafeIntegerBounds)
  if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = withoutSafeIntegerBounds(out.additionalProperties)
  return out
}

/** JSON Schema of a params schema; parts JSON Schema cannot express (transforms) become `{}` (any value). */
export function paramsJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema & { $schema?: string }
  return withoutSafeIntegerBounds(json)
}
