/**
 * Settings through electron-store, for the Electron main process only: importing electron-store in plain
 * Node triggers Electron's binary download and throws (environment.md §7), so nothing else imports this.
 * Same folder and file name as the conf backing, so the CLI and the app share one settings file.
 */
import ElectronStore from 'electron-store'
import { SETTINGS_FILE_NAME, ValidatedSettingsStore, settingsDir, type SettingsStore } from './settings-store.ts'

export function createElectronSettingsStore(dir: string = settingsDir()): SettingsStore {
  try {
    return new ValidatedSettingsStore(new ElectronStore<Record<string, unknown>>({ cwd: dir, name: SETTINGS_FILE_NAME }))
  } catch (error) {
    throw new Error(`cannot read the settings in ${dir}: ${error instanceof Error ? error.message : String(error)} (fix or delete the file)`)
  }
}
