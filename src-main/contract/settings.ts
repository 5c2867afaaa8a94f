/**
 * The studio's settings: ONE zod schema shared by every face (Electron, browser mode, CLI) and by the
 * renderer (decisions.md §3 "Settings … with one schema"). Stored by `src-main/settings/` through
 * electron-store inside Electron and `conf` elsewhere. No Node imports here: the renderer imports this file.
 */
import { z } from 'zod'

/** Compute backend preference, in the chooser's order (mirrors BACKEND_PREFERENCES in engine/backend). */
export const BACKEND_PREFERENCES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const
export type BackendPreferenceSetting = (typeof BACKEND_PREFERENCES)[number]

export const THEMES = ['light', 'dark', 'system'] as const
export type Theme = (typeof THEMES)[number]

export const SettingsSchema = z.strictObject({
  // auto: the engine picks the best backend that starts (tfjs-node-gpu > tfjs-node > wasm > cpu).
  backend: z.enum(BACKEND_PREFERENCES).default('auto'),
  // null: the default workspace (the user's data directory); an absolute path otherwise.
  workspace: z.string().min(1).nullable().default(null),
  // system: follow the operating system's light/dark preference.
  theme: z.enum(THEMES).default('system'),
})
export type Settings = z.infer<typeof SettingsSchema>

/** A partial update: every key optional, unknown keys rejected (a typo must not be silently ignored). */
export const SettingsPatchSchema = z.strictObject({
  backend: z.enum(BACKEND_PREFERENCES).optional(),
  workspace: z.string().min(1).nullable().optional(),
  theme: z.enum(THEMES).optional(),
})
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({})

/** What `getSettings()` answers: the stored values plus what they resolve to on this machine. */
export interface SettingsSnapshot {
  values: Settings
  /** The workspace folder the engine uses when it (re)starts, and what decided it. */
  workspace: { dir: string; source: WorkspaceSource }
  /** The settings file, so a user can find it. */
  file: string
}

/** Workspace resolution order: `--workspace` flag > env TAGI_WORKSPACE > settings > default. */
export type WorkspaceSource = 'flag' | 'env' | 'settings' | 'default'
