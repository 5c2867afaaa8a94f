/**
 * The domain services the engine host composes. To serve a new domain: write `services/<domain>.ts`
 * exporting a `DomainService` and add it to this list.
 */
import type { DomainService } from './types.ts'
import { runsService } from './runs.ts'
import { datasetsService } from './datasets.ts'
import { evaluationService } from './evaluation.ts'
import { playgroundService } from './playground.ts'
import { adaptersService } from './adapters.ts'

export const DOMAIN_SERVICES: readonly DomainService[] = [runsService, datasetsService, evaluationService, playgroundService, adaptersService]

export { jobHandlers } from './jobs.ts'
export type { DomainService, HostContext, HostHandlers, HostMethodName, Handler, HandlersOf } from './types.ts'
