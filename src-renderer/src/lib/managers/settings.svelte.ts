/**
 * Settings state: the stored values and what they resolve to (workspace folder, its source), saved
 * through the StudioApi; the effective light/dark theme follows the OS when the setting is 'system'.
 */
import type { SettingsPatch, SettingsSnapshot, StudioApi, StudioEvent } from '../../../../src-main/contract/index.ts'

export class SettingsManager {
  snapshot = $state<SettingsSnapshot | null>(null)
  error = $state<string | null>(null)
  saving = $state(false)
  #systemDark = $state(false)
  effectiveTheme = $derived.by(() => {
    const theme = this.snapshot?.values.theme ?? 'system'
    return theme === 'system' ? (this.#systemDark ? 'dark' : 'light') : theme
  })
  readonly #api: StudioApi

  constructor(api: StudioApi) {
    this.#api = api
    const query = window.matchMedia('(prefers-color-scheme: dark)')
    this.#systemDark = query.matches
    query.addEventListener('change', (event) => (this.#systemDark = event.matches))
  }

  async load(): Promise<void> {
    try {
      this.snapshot = await this.#api.getSettings()
      this.error = null
    } catch (error) {
      this.error = (error as Error).message
    }
  }

  /** Save a change; on a validation error the message is kept in `error` and the values stay as they were. */
  async update(patch: SettingsPatch): Promise<boolean> {
    this.saving = true
    try {
      this.snapshot = await this.#api.updateSettings(patch)
      this.error = null
      return true
    } catch (error) {
      this.error = (error as Error).message
      return false
    } finally {
      this.saving = false
    }
  }

  handle(event: StudioEvent): void {
    if (event.type === 'settings.changed') this.snapshot = event.settings
  }
}
