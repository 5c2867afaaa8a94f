/** Settings for the Node faces (conf backing) and the workspace resolution order. Electron main imports electron-settings-store.ts itself. */
export { createConfSettingsStore, settingsDir, ValidatedSettingsStore, SETTINGS_FILE_NAME, type SettingsStore, type KeyValueBacking } from './settings-store.ts'
export { resolveWorkspace, workspaceDirFor, settingsSnapshot, type ResolvedWorkspace, type WorkspaceSources } from './workspace.ts'
