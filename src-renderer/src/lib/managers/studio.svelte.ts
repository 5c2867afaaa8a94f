/**
 * The renderer's state, assembled once at start-up: one manager per concern, all fed by the same
 * StudioApi and its event stream. Components receive these managers as props.
 */
import type { StudioConnection } from '../api/connect.ts'
import { EngineManager } from './engine.svelte.ts'
import { JobsManager } from './jobs.svelte.ts'
import { NavigationManager } from './navigation.svelte.ts'
import { SettingsManager } from './settings.svelte.ts'

export interface Studio {
  face: StudioConnection['face']
  navigation: NavigationManager
  settings: SettingsManager
  engine: EngineManager
  jobs: JobsManager
}

export function createStudio(connection: StudioConnection): Studio {
  const { api } = connection
  const studio: Studio = {
    face: connection.face,
    navigation: new NavigationManager(),
    settings: new SettingsManager(api),
    engine: new EngineManager(api),
    jobs: new JobsManager(api),
  }
  api.onEvent((event) => {
    studio.settings.handle(event)
    studio.engine.handle(event)
    studio.jobs.handle(event)
  })
  const loadAll = () => Promise.all([studio.settings.load(), studio.engine.refresh(), studio.jobs.load()])
  if (connection.face === 'electron') studio.engine.connection = { state: 'open', detail: 'Electron IPC' }
  connection.onConnection((state, detail) => {
    studio.engine.connection = { state, detail }
    if (state === 'open') void loadAll() // first connect and every reconnect: the server may have restarted
  })
  if (connection.face === 'electron') void loadAll()
  return studio
}
