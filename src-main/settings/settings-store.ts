/**
 * Where the studio's settings persist. One validated schema (contract/settings.ts), two backings:
 * electron-store inside Electron (electron-settings-store.ts, imported only by the Electron main) and
 * `conf` everywhere else (this file). electron-store is built on conf, so both expose the same `store`
 * object and `path`, and the validation below is shared.
 */
import Conf from 'conf'
import envPaths from 'env-paths'
import { isAbsolute } from 'node:path'
import {
  SettingsPatchSchema,
  SettingsSchema,
  StudioError,
  formatIssues,
  type Settings,
  type SettingsPatch,
} from '../contract/index.ts'

export interface SettingsStore {
  /** The settings file. */
  readonly file: string
  get(): Settings
  /** Validate a partial update, persist it and return the full settings. */
  update(patch: unknown): Settings
}

/** The settings folder: env TAGI_CONFIG_DIR (tests, portable installs) or the user's config directory. */
export function settingsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TAGI_CONFIG_DIR || envPaths('tagi-studio', { suffix: '' }).config
}

/** The file name (without .json) shared by both backings, so Electron and the CLI read the same file. */
export const SETTINGS_FILE_NAME = 'settings'

/** The part of conf / electron-store this module uses. */
export interface KeyValueBacking {
  store: Record<string, unknown>
  readonly path: string
}

export class ValidatedSettingsStore implements SettingsStore {
  readonly #backing: KeyValueBacking

  constructor(backing: KeyValueBacking) {
    this.#backing = backing
  }

  get file(): string {
    return this.#backing.path
  }

  get(): Settings {
    const stored = this.#backing.store
    const parsed = SettingsSchema.safeParse(stored)
    if (!parsed.success) throw new Error(`settings file ${this.file} is invalid: ${formatIssues(parsed.error, stored)} (fix or delete the file)`)
    return parsed.data
  }

  update(patch: unknown): Settings {
    const parsed = SettingsPatchSchema.safeParse(patch)
    if (!parsed.success) throw new StudioError('invalid-params', `invalid settings: ${formatIssues(parsed.error, patch)}`)
    checkWorkspace(parsed.data)
    const next = SettingsSchema.parse({ ...this.get(), ...parsed.data })
    this.#backing.store = next
    return next
  }
}

function checkWorkspace(patch: SettingsPatch): void {
  const dir = patch.workspace
  if (typeof dir === 'string' && !isAbsolute(dir)) {
    throw new StudioError('invalid-params', `invalid settings: workspace: expected an absolute folder path (found: ${JSON.stringify(dir)})`)
  }
}

/** Settings through `conf` (plain Node: the CLI and the browser mode). */
export function createConfSettingsStore(dir: string = settingsDir()): SettingsStore {
  let conf: Conf<Record<string, unknown>>
  try {
    conf = new Conf<Record<string, unknown>>({ cwd: dir, configName: SETTINGS_FILE_NAME, projectName: 'tagi-studio' })
  } catch (error) {
    throw new Error(`cannot read the settings in ${dir}: ${error instanceof Error ? error.message : String(error)} (fix or delete the file)`)
  }
  return new ValidatedSettingsStore(conf)
}
