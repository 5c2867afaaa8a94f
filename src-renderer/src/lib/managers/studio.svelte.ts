/**
 * The renderer's state, assembled once at start-up: one manager per concern, all fed by the same
 * StudioApi and its event stream. Components receive these managers as props.
 */
import type { StudioConnection } from '../api/connect.ts'
import { EngineManager } from './engine.svelte.ts'
import { JobsManager } from './jobs.svelte.ts'
import { LaunchManager } from './launch.svelte.ts'
import { NavigationManager } from './navigation.svelte.ts'
import { RunsManager } from './runs.svelte.ts'
import { SettingsManager } from './settings.svelte.ts'
import { DatasetsManager } from './datasets.svelte.ts'
import { EvaluationManager } from './evaluation.svelte.ts'
import { PlaygroundManager } from './playground.svelte.ts'
import { AdaptersManager } from './adapters.svelte.ts'

export interface Studio {
  face: StudioConnection['face']
  navigation: NavigationManager
  settings: SettingsManager
  engine: EngineManager
  jobs: JobsManager
  datasets: DatasetsManager
  evaluation: EvaluationManager
  runs: RunsManager
  launch: LaunchManager
  playground: PlaygroundManager
  adapters: AdaptersManager
}

export function createStudio(connection: StudioConnection): Studio {
  const { api } = connection
  const jobs = new JobsManager(api)
  const studio: Studio = {
    face: connection.face,
    navigation: new NavigationManager(),
    settings: new SettingsManager(api),
    engine: new EngineManager(api),
    jobs,
    datasets: new DatasetsManager(api, jobs),
    evaluation: new EvaluationManager(api, jobs),
    runs: new RunsManager(api),
    launch: new LaunchManager(api),
    playground: new PlaygroundManager(api),
    adapters: new AdaptersManager(api),
  }
  api.onEvent((event) => {
    studio.settings.handle(event)
    studio.engine.handle(event)
    studio.jobs.handle(event)
    studio.datasets.handle(event)
    studio.evaluation.handle(event)
    studio.runs.handle(event)
    studio.playground.handle(event)
    studio.adapters.handle(event)
  })
  const loadAll = () => Promise.all([studio.settings.load(), studio.engine.refresh(), studio.jobs.load(), studio.datasets.load(), studio.evaluation.load(), studio.runs.load(), studio.launch.load(), studio.playground.load(), studio.adapters.load()])
  if (connection.face === 'electron') studio.engine.connection = { state: 'open', detail: 'Electron IPC' }
  connection.onConnection((state, detail) => {
    studio.engine.connection = { state, detail }
    if (state === 'open') void loadAll() // first connect and every reconnect: the server may have restarted
  })
  if (connection.face === 'electron') void loadAll()
  return studio
}
