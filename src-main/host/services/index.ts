/**
 * The domain services the engine host composes. To serve a new domain: write `services/<domain>.ts`
 * exporting a `DomainService` and add it to this list.
 */
import type { DomainService } from './types.ts'

export const DOMAIN_SERVICES: readonly DomainService[] = []

export { jobHandlers } from './jobs.ts'
export type { DomainService, HostContext, HostHandlers, HostMethodName, Handler, HandlersOf } from './types.ts'
