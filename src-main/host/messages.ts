/**
 * Messages between a face and an engine host running in another thread or process (worker_threads,
 * Electron utilityProcess). The first message a host gets is `init` with its options; after that it
 * answers `request`s and pushes `event`s. Requests themselves follow contract/protocol.ts.
 */
import { z } from 'zod'
import { BACKEND_PREFERENCES, type Response, type StudioEvent } from '../contract/index.ts'

export const HostOptionsSchema = z.strictObject({
  backend: z.enum(BACKEND_PREFERENCES),
  workspace: z.strictObject({ dir: z.string().min(1), source: z.enum(['flag', 'env', 'settings', 'default']) }),
  /** Which adapter carries the host, shown in engine info: 'in-process', 'worker', 'utility-process'. */
  transport: z.string().min(1),
})
export type HostOptions = z.infer<typeof HostOptionsSchema>

export type HostInbound = { type: 'init'; options: HostOptions } | { type: 'request'; request: unknown }

export type HostOutbound =
  | { type: 'response'; response: Response }
  | { type: 'event'; event: StudioEvent }
  /** The compute backend started; `label` names it. */
  | { type: 'ready'; label: string }
  /** The host cannot work (its backend failed to start); it still answers requests, with errors. */
  | { type: 'fatal'; message: string }
