/**
 * Launch forms generated from a job kind's params schema (JSON Schema as `jobs.kinds` gives it, written by
 * zod from the very schema the engine validates with), so every option shows with its default and help
 * and none is hand-written (Unsloth Studio #10590: "expose every training parameter"). Nested objects
 * become fieldsets, enums selects, booleans switches, lists of enum values checkbox groups.
 *
 * Only the options that differ from their defaults are sent (a nested object whole, since its parts may
 * have no default of their own); the engine fills in the rest and names any value it rejects.
 */
import type { JsonSchema, JsonSchemaType } from '../../../src-main/contract/index.ts'

export type FieldControl = 'text' | 'number' | 'switch' | 'select' | 'multi' | 'list' | 'group' | 'json'

export interface FormField {
  key: string
  /** Dotted path from the params root, for ids and test hooks (`training.steps`). */
  path: string
  label: string
  control: FieldControl
  /** The schema's `.describe()` text, if it has one. */
  help: string | null
  /** The constraints in words ("integer, > 0"). */
  hint: string
  required: boolean
  /** null is a valid value (an empty input means null). */
  nullable: boolean
  /** The value the engine uses when the option is left out. */
  defaultValue: unknown
  /** Choices of a select / checkbox group. */
  options: string[]
  /** Item type of a `list` (comma-separated values). */
  itemType: 'string' | 'number' | 'integer'
  /** A number field takes integers only. */
  integer: boolean
  /** Fields of a group. */
  children: FormField[]
}

export type FormValues = Record<string, unknown>

/** The non-null branch of `T | null` (zod writes it as `type: [T, 'null']` or `anyOf: [T, {type: 'null'}]`). */
function unwrapNullable(schema: JsonSchema): { base: JsonSchema; nullable: boolean } {
  if (schema.anyOf) {
    const rest = schema.anyOf.filter((branch) => branch.type !== 'null')
    const nullable = rest.length < schema.anyOf.length
    if (rest.length === 1) return { base: { ...rest[0]!, description: schema.description ?? rest[0]!.description }, nullable }
    return { base: schema, nullable }
  }
  if (Array.isArray(schema.type)) {
    const rest = schema.type.filter((type) => type !== 'null')
    return { base: { ...schema, type: rest.length === 1 ? rest[0] : rest }, nullable: rest.length < schema.type.length }
  }
  return { base: schema, nullable: false }
}

function controlOf(base: JsonSchema): FieldControl {
  const type = base.type as JsonSchemaType | undefined
  if (base.enum?.every((option) => typeof option === 'string')) return 'select'
  if (type === 'boolean') return 'switch'
  if (type === 'number' || type === 'integer') return 'number'
  if (type === 'string') return 'text'
  if (type === 'array') {
    if (base.items?.enum?.every((option) => typeof option === 'string')) return 'multi'
    const itemType = base.items?.type
    return itemType === 'string' || itemType === 'number' || itemType === 'integer' ? 'list' : 'json'
  }
  if (type === 'object' && base.properties && typeof base.additionalProperties !== 'object') return 'group'
  return 'json'
}

function hintOf(base: JsonSchema, control: FieldControl): string {
  const parts: string[] = []
  if (control === 'number') parts.push(base.type === 'integer' ? 'integer' : 'number')
  if (control === 'list') parts.push(`comma-separated ${base.items?.type === 'string' ? 'values' : 'numbers'}`)
  if (control === 'json') parts.push('JSON')
  const bounds = control === 'list' ? (base.items ?? {}) : base
  if (bounds.minimum !== undefined) parts.push(`≥ ${bounds.minimum}`)
  if (bounds.exclusiveMinimum !== undefined) parts.push(`> ${bounds.exclusiveMinimum}`)
  if (bounds.maximum !== undefined) parts.push(`≤ ${bounds.maximum}`)
  if (bounds.exclusiveMaximum !== undefined) parts.push(`< ${bounds.exclusiveMaximum}`)
  if (base.minItems !== undefined) parts.push(`at least ${base.minItems}`)
  if (base.maxItems !== undefined) parts.push(`at most ${base.maxItems}`)
  return parts.join(', ')
}

/** `learningRate` → "Learning rate", `tokens_per_s` → "Tokens per s". */
export function humanize(key: string): string {
  const words = key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The fields of an object schema, in the schema's order; `parentDefault` fills defaults a child lacks. */
export function formFields(schema: JsonSchema, prefix = '', parentDefault?: unknown): FormField[] {
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties ?? {}).map(([key, property]) => {
    const { base, nullable } = unwrapNullable(property)
    const control = controlOf(base)
    const path = prefix ? `${prefix}.${key}` : key
    const fromParent = parentDefault !== null && typeof parentDefault === 'object' ? (parentDefault as Record<string, unknown>)[key] : undefined
    const own = fromParent !== undefined ? fromParent : property.default
    const children = control === 'group' ? formFields(base, path, own) : []
    const defaultValue = control === 'group' && own !== null ? { ...(own as object), ...groupValues(children, own) } : own
    return {
      key,
      path,
      label: humanize(key),
      control,
      help: property.description ?? base.description ?? null,
      hint: hintOf(base, control),
      // A nested option the parent's default already sets is not one the user must fill in.
      required: required.has(key) && defaultValue === undefined,
      nullable,
      defaultValue,
      options: ((control === 'multi' ? base.items?.enum : base.enum) ?? []).map(String),
      itemType: base.items?.type === 'number' || base.items?.type === 'integer' ? base.items.type : 'string',
      integer: base.type === 'integer',
      children,
    }
  })
}

/** A group's value: each child's own value where the parent default has none. */
function groupValues(children: FormField[], own: unknown): FormValues {
  const ownValues = own !== null && typeof own === 'object' ? (own as Record<string, unknown>) : {}
  return Object.fromEntries(children.filter((child) => child.defaultValue !== undefined || child.key in ownValues).map((child) => [child.key, structuredClone(child.defaultValue)]))
}

/** The values a fresh form starts with: every default, nested groups filled in. */
export function initialValues(schema: JsonSchema): FormValues {
  return Object.fromEntries(
    formFields(schema)
      .filter((field) => field.defaultValue !== undefined)
      .map((field) => [field.key, structuredClone(field.defaultValue)]),
  )
}

/** The value a group takes when switched on (a nullable group defaulting to null): its children's defaults. */
export function groupDefaults(field: FormField): FormValues {
  return groupValues(field.children, {})
}

/** The params to send: options that differ from their defaults, required ones when set. */
export function paramsToSend(schema: JsonSchema, values: FormValues): FormValues {
  const out: FormValues = {}
  for (const field of formFields(schema)) {
    const value = values[field.key]
    if (value === undefined || (value === '' && !field.nullable)) continue
    if (field.required || JSON.stringify(value) !== JSON.stringify(field.defaultValue)) out[field.key] = value
  }
  return out
}

/** Text shown in an input for a value (lists comma-separated, JSON pretty, null as empty). */
export function formatValue(field: FormField, value: unknown): string {
  if (value === null || value === undefined) return ''
  if (field.control === 'list' && Array.isArray(value)) return value.join(', ')
  if (field.control === 'json') return JSON.stringify(value, null, 2)
  return String(value)
}

/**
 * What an edited input means. Empty is null where null is allowed, else "left out" (undefined) so the
 * engine applies its default or says the option is required. Text that does not parse is passed on as
 * typed, and the engine's validation names the field and what it expected.
 */
export function parseInput(field: FormField, text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim()
  if (trimmed === '') return { value: field.nullable ? null : field.control === 'list' ? [] : undefined }
  if (field.control === 'number') return { value: Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed }
  if (field.control === 'list') {
    const items = trimmed.split(',').map((item) => item.trim()).filter(Boolean)
    return { value: field.itemType === 'string' ? items : items.map((item) => (Number.isFinite(Number(item)) ? Number(item) : item)) }
  }
  if (field.control === 'json') {
    try {
      return { value: JSON.parse(trimmed) }
    } catch (error) {
      return { error: `not valid JSON: ${(error as Error).message}` }
    }
  }
  return { value: text }
}
