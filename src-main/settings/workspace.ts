/**
 * Which workspace folder a face uses: `--workspace` flag > env TAGI_WORKSPACE > the settings > the default
 * (`defaultWorkspaceDir()`, the user's data directory). Every CLI command that touches the workspace and
 * both studio faces resolve it here, so they agree.
 */
import { resolve } from 'node:path'
import type { Settings, SettingsSnapshot, WorkspaceSource } from '../contract/index.ts'
import { defaultWorkspaceDir } from '../engine/store/workspace.ts'
import { createConfSettingsStore, type SettingsStore } from './settings-store.ts'

export interface ResolvedWorkspace {
  dir: string
  source: WorkspaceSource
}

export interface WorkspaceSources {
  flag?: string
  env?: NodeJS.ProcessEnv
  /** Read only when neither flag nor env decides (a broken settings file must not block `--workspace`). */
  settings?: () => Settings
}

export function resolveWorkspace(sources: WorkspaceSources = {}): ResolvedWorkspace {
  const env = sources.env ?? process.env
  if (sources.flag) return { dir: resolve(sources.flag), source: 'flag' }
  if (env.TAGI_WORKSPACE) return { dir: resolve(env.TAGI_WORKSPACE), source: 'env' }
  const fromSettings = (sources.settings ?? (() => createConfSettingsStore().get()))().workspace
  if (fromSettings) return { dir: resolve(fromSettings), source: 'settings' }
  return { dir: defaultWorkspaceDir(), source: 'default' }
}

/** For CLI commands: `--workspace` value (if any) resolved through the same order, returning the folder. */
export function workspaceDirFor(flag: string | undefined): string {
  return resolveWorkspace({ flag }).dir
}

/** The settings as `getSettings()` answers them: stored values plus the workspace they resolve to. */
export function settingsSnapshot(store: SettingsStore, flag?: string, env: NodeJS.ProcessEnv = process.env): SettingsSnapshot {
  const values = store.get()
  return { values, workspace: resolveWorkspace({ flag, env, settings: () => values }), file: store.file }
}
