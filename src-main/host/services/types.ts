/**
 * How the engine host serves the contract: one handler per host method, grouped by domain. A domain's
 * service (`services/<domain>.ts`) turns a `HostContext` into the handlers of that domain's methods.
 */
import type { MethodMap, MethodName, ValidParams } from '../../contract/index.ts'
import type { JobManager } from '../../engine/jobs/index.ts'

/** The methods the engine host answers (the others are the face's: see FACE_METHODS in the contract). */
export type HostMethodName = Exclude<MethodName, 'engine.restart' | 'settings.get' | 'settings.update'>

export type Handler<M extends MethodName> = (params: ValidParams<M>) => Promise<MethodMap[M]['result']> | MethodMap[M]['result']

export type HandlersOf<M extends MethodName> = { [K in M]: Handler<K> }

export type HostHandlers = HandlersOf<HostMethodName>

/** What a domain service may use: the workspace folder and the job manager (to start jobs, read their state). */
export interface HostContext {
  workspaceDir: string
  jobs: JobManager
}

/** A domain service: the handlers of some host methods. */
export type DomainService = (context: HostContext) => Partial<HostHandlers>
