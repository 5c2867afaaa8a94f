/** The engine host (transport-agnostic core), its supervisor and adapters, and the face-side studio service. */
export { createEngineHost, type EngineHost } from './engine-host.ts'
export { HostSupervisor, type EngineConnection, type HostChannel, type SpawnHost, type SupervisorConfig } from './supervisor.ts'
export { createStudioService, hostOptionsFrom, type StudioService, type StudioServiceOptions } from './studio-service.ts'
export { HostOptionsSchema, type HostOptions, type HostInbound, type HostOutbound } from './messages.ts'
export { spawnInProcessHost } from './adapters/in-process.ts'
export { spawnWorkerHost } from './adapters/worker.ts'
