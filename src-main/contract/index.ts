/** The typed contract shared by the engine host, the faces (Electron, browser mode, CLI) and the renderer. */
export * from './settings.ts'
export * from './engine.ts'
export * from './jobs.ts'
export * from './protocol.ts'
export * from './api.ts'
