// Settings: the conf backing in a temp folder (defaults, persistence, validation with clear messages, a
// broken file), the electron-store backing sharing the same file, and the workspace resolution order.
import { describe, expect, it } from 'vitest'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createConfSettingsStore, resolveWorkspace, settingsDir, settingsSnapshot } from '../../../src-main/settings/index.ts'
import { defaultWorkspaceDir } from '../../../src-main/engine/store/workspace.ts'
import { DEFAULT_SETTINGS, StudioError } from '../../../src-main/contract/index.ts'

const tempDir = () => mkdtempSync(join(tmpdir(), 'tagi-settings-'))

function updateError(update: () => unknown): StudioError {
  try {
    update()
  } catch (error) {
    if (error instanceof StudioError) return error
    throw error
  }
  throw new Error('expected the update to be rejected')
}

describe('conf settings store', () => {
  it('starts from the defaults and persists updates to settings.json', () => {
    const dir = tempDir()
    const store = createConfSettingsStore(dir)
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
    expect(store.file).toBe(join(dir, 'settings.json'))
    expect(store.update({ theme: 'dark', backend: 'wasm' })).toEqual({ theme: 'dark', backend: 'wasm', workspace: null })
    expect(JSON.parse(readFileSync(store.file, 'utf8'))).toEqual({ theme: 'dark', backend: 'wasm', workspace: null })
    // A fresh store (a new process) reads what was saved.
    expect(createConfSettingsStore(dir).get()).toMatchObject({ theme: 'dark', backend: 'wasm' })
    expect(store.update({ workspace: '/data/tagi' }).workspace).toBe('/data/tagi')
    expect(store.update({ workspace: null }).workspace).toBeNull()
  })

  it('rejects bad values, naming the key, what was expected and what was found', () => {
    const store = createConfSettingsStore(tempDir())
    const theme = updateError(() => store.update({ theme: 'blue' }))
    expect(theme.code).toBe('invalid-params')
    expect(theme.message).toBe('invalid settings: theme: Invalid option: expected one of "light"|"dark"|"system" (found: "blue")')
    expect(updateError(() => store.update({ backend: 'gpu' })).message).toContain('backend: Invalid option')
    expect(updateError(() => store.update({ colour: 'red' })).message).toContain('Unrecognized key: "colour"')
    expect(updateError(() => store.update({ workspace: 'relative/dir' })).message).toBe(
      'invalid settings: workspace: expected an absolute folder path (found: "relative/dir")',
    )
    expect(updateError(() => store.update('dark')).message).toContain('expected object')
    expect(store.get()).toEqual(DEFAULT_SETTINGS) // nothing was written
  })

  it('says which file is broken when it cannot be read', () => {
    const badJson = tempDir()
    writeFileSync(join(badJson, 'settings.json'), '{ "theme": ')
    expect(() => createConfSettingsStore(badJson)).toThrow(new RegExp(`cannot read the settings in ${badJson}.*fix or delete the file`))
    const badValue = tempDir()
    writeFileSync(join(badValue, 'settings.json'), JSON.stringify({ theme: 'neon' }))
    expect(() => createConfSettingsStore(badValue).get()).toThrow(/settings file .*settings\.json is invalid: theme: .*\(found: "neon"\)/)
  })

  it('lives in TAGI_CONFIG_DIR when set', () => {
    expect(settingsDir({ TAGI_CONFIG_DIR: '/x/y' })).toBe('/x/y')
    expect(settingsDir({})).toMatch(/tagi-studio$/)
  })
})

describe('electron-store settings store', () => {
  it('reads and writes the same validated settings file as conf', async () => {
    // electron-store imports `electron`, which in plain Node only loads with this set (environment.md §7).
    process.env.ELECTRON_OVERRIDE_DIST_PATH = tempDir()
    const { createElectronSettingsStore } = await import('../../../src-main/settings/electron-settings-store.ts')
    const dir = tempDir()
    const store = createElectronSettingsStore(dir)
    expect(store.file).toBe(join(dir, 'settings.json'))
    store.update({ theme: 'light' })
    expect(createConfSettingsStore(dir).get().theme).toBe('light')
    expect(() => store.update({ theme: 'mauve' })).toThrow(/theme: Invalid option/)
  })
})

describe('workspace resolution', () => {
  const settings = (workspace: string | null) => () => ({ ...DEFAULT_SETTINGS, workspace })

  it('follows --workspace > TAGI_WORKSPACE > settings > default', () => {
    const env = { TAGI_WORKSPACE: '/env/ws' }
    expect(resolveWorkspace({ flag: 'rel/ws', env, settings: settings('/set/ws') })).toEqual({ dir: resolve('rel/ws'), source: 'flag' })
    expect(resolveWorkspace({ env, settings: settings('/set/ws') })).toEqual({ dir: '/env/ws', source: 'env' })
    expect(resolveWorkspace({ env: {}, settings: settings('/set/ws') })).toEqual({ dir: '/set/ws', source: 'settings' })
    expect(resolveWorkspace({ env: {}, settings: settings(null) })).toEqual({ dir: defaultWorkspaceDir(), source: 'default' })
  })

  it('does not read the settings when the flag or env decides', () => {
    const broken = () => {
      throw new Error('settings must not be read')
    }
    expect(resolveWorkspace({ flag: '/f', env: {}, settings: broken }).source).toBe('flag')
    expect(resolveWorkspace({ env: { TAGI_WORKSPACE: '/e' }, settings: broken }).source).toBe('env')
  })

  it('snapshots settings with the workspace they resolve to', () => {
    const dir = tempDir()
    const store = createConfSettingsStore(dir)
    const ws = join(dir, 'my-ws')
    mkdirSync(ws)
    store.update({ workspace: ws })
    expect(settingsSnapshot(store, undefined, {})).toEqual({ values: { ...DEFAULT_SETTINGS, workspace: ws }, workspace: { dir: ws, source: 'settings' }, file: store.file })
    expect(settingsSnapshot(store, '/flagged', {}).workspace).toEqual({ dir: '/flagged', source: 'flag' })
  })
})
