// The typed contract: request validation (envelope, method, params), error wording, the settings schema
// and the StudioApi factory every face uses.
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SETTINGS,
  METHOD_NAMES,
  SettingsPatchSchema,
  SettingsSchema,
  StudioError,
  createStudioApi,
  errorResponse,
  validateRequest,
  type MethodName,
} from '../../../src-main/contract/index.ts'

function rejection(raw: unknown): StudioError {
  try {
    validateRequest(raw)
  } catch (error) {
    if (error instanceof StudioError) return error
    throw error
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`)
}

describe('validateRequest', () => {
  it('accepts a valid request and fills defaults', () => {
    const request = validateRequest({ id: 3, method: 'jobs.start', params: { kind: 'matmul-benchmark' } })
    expect(request).toEqual({ id: 3, method: 'jobs.start', params: { kind: 'matmul-benchmark', params: {} } })
    expect(validateRequest({ id: 'x', method: 'engine.info' }).params).toBeUndefined()
    expect(validateRequest({ id: 'x', method: 'engine.info', params: {} }).params).toEqual({})
  })

  it('rejects a malformed envelope as bad-request, naming the field', () => {
    for (const raw of [null, 'engine.info', 42, [], { method: 'engine.info' }, { id: {}, method: 'engine.info' }]) {
      expect(rejection(raw).code).toBe('bad-request')
    }
    expect(rejection({ method: 'engine.info' }).message).toMatch(/id: .*found: nothing/)
  })

  it('rejects an unknown method, listing the known ones', () => {
    const error = rejection({ id: 1, method: 'jobs.delete' })
    expect(error.code).toBe('unknown-method')
    expect(error.message).toContain("unknown method 'jobs.delete'")
    expect(error.message).toContain('jobs.start')
    expect(rejection({ id: 1, method: 'toString' }).code).toBe('unknown-method')
  })

  it('rejects bad params with key, expectation and the value found', () => {
    const wrongType = rejection({ id: 1, method: 'jobs.get', params: { id: 5 } })
    expect(wrongType.code).toBe('invalid-params')
    expect(wrongType.message).toBe("invalid params for 'jobs.get': params.id: Invalid input: expected string, received number (found: 5)")
    const extraKey = rejection({ id: 1, method: 'engine.info', params: { verbose: true } })
    expect(extraKey.message).toContain('Unrecognized key: "verbose"')
    const badTheme = rejection({ id: 1, method: 'settings.update', params: { theme: 'blue' } })
    expect(badTheme.message).toContain('params.theme')
    expect(badTheme.message).toContain('"light"|"dark"|"system"')
    expect(badTheme.message).toContain('(found: "blue")')
  })

  it('turns thrown errors into typed error responses', () => {
    expect(errorResponse(7, new StudioError('not-found', 'no job'))).toEqual({ id: 7, ok: false, error: { code: 'not-found', message: 'no job' } })
    expect(errorResponse(null, new Error('boom'))).toEqual({ id: null, ok: false, error: { code: 'failed', message: 'boom' } })
  })
})

describe('settings schema', () => {
  it('has documented defaults', () => {
    expect(DEFAULT_SETTINGS).toEqual({ backend: 'auto', workspace: null, theme: 'system' })
  })

  it('rejects bad values and unknown keys', () => {
    expect(SettingsSchema.safeParse({ backend: 'gpu' }).success).toBe(false)
    expect(SettingsSchema.safeParse({ theme: 3 }).success).toBe(false)
    expect(SettingsSchema.safeParse({ workspace: '' }).success).toBe(false)
    expect(SettingsSchema.safeParse({ colour: 'red' }).success).toBe(false)
    expect(SettingsPatchSchema.safeParse({ them: 'dark' }).success).toBe(false)
    expect(SettingsPatchSchema.parse({ theme: 'dark' })).toEqual({ theme: 'dark' })
  })
})

describe('createStudioApi', () => {
  it('maps every capability to one contract method', async () => {
    const calls: [MethodName, unknown][] = []
    const api = createStudioApi(
      async (method, params) => {
        calls.push([method, params])
        return undefined as never
      },
      () => () => {},
    )
    await api.engineInfo()
    await api.restartEngine()
    await api.jobKinds()
    await api.startJob({ kind: 'k', params: { a: 1 } })
    await api.cancelJob('j1')
    await api.listJobs()
    await api.getJob('j2')
    await api.getSettings()
    await api.updateSettings({ theme: 'dark' })
    expect(calls).toEqual([
      ['engine.info', undefined],
      ['engine.restart', undefined],
      ['jobs.kinds', undefined],
      ['jobs.start', { kind: 'k', params: { a: 1 } }],
      ['jobs.cancel', { id: 'j1' }],
      ['jobs.list', undefined],
      ['jobs.get', { id: 'j2' }],
      ['settings.get', undefined],
      ['settings.update', { theme: 'dark' }],
    ])
    // Every domain's functions too: each capability reaches exactly one method, and every method is reachable.
    const core = new Set(['engineInfo', 'restartEngine', 'jobKinds', 'startJob', 'cancelJob', 'listJobs', 'getJob', 'getSettings', 'updateSettings', 'onEvent'])
    const domainFunctions = Object.entries(api).filter(([name]) => !core.has(name)) as [string, (...args: unknown[]) => Promise<unknown>][]
    for (const [name, fn] of domainFunctions) {
      const before = calls.length
      await fn({}, {}, {})
      expect(calls.length - before, `${name} makes one call`).toBe(1)
    }
    expect(new Set(calls.map(([method]) => method))).toEqual(new Set(METHOD_NAMES))
  })
})
