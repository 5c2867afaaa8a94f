// Shared harness for the studio-domain tests: an engine host run in-process on a temporary workspace, and a
// typed request client over it (call / failure / waiting for a job to end). Kept in one place so every domain
// test talks to the host exactly the way the renderer's transport does (request id, ok/error envelope).
import { createEngineHost, type EngineHost } from '../../../src-main/host/index.ts'
import type { JobState, Response } from '../../../src-main/contract/index.ts'

/** An engine host on `workspace`, in-process (no worker), backend chosen as in the studio. */
export function inProcessHost(workspace: string): EngineHost {
  return createEngineHost({ backend: 'auto', workspace: { dir: workspace, source: 'flag' }, transport: 'in-process' })
}

/** Polls `probe` until it returns something truthy; throws once `timeoutMs` has passed. */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, pollMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

export interface StudioClient {
  /** The method's result; throws `code: message` when the host answers with an error. */
  call<T>(method: string, params?: unknown): Promise<T>
  /** The host's error for a request that must fail; throws when it succeeds. */
  failure(method: string, params?: unknown): Promise<{ code: string; message: string }>
  /** The job once it is completed, failed or cancelled. */
  jobEnded(id: string, timeoutMs?: number): Promise<JobState>
}

/**
 * A client over `host`. Pass a getter when the host is created later (in `beforeAll`, after the workspace has
 * been filled), so the client can be declared at module level.
 */
export function studioClient(host: EngineHost | (() => EngineHost)): StudioClient {
  const current = typeof host === 'function' ? host : () => host
  let seq = 0
  const call = async <T>(method: string, params?: unknown): Promise<T> => {
    const response = (await current().handle({ id: ++seq, method, params })) as Response<T>
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`)
    return response.result
  }
  const failure = async (method: string, params?: unknown): Promise<{ code: string; message: string }> => {
    const response = await current().handle({ id: ++seq, method, params })
    if (response.ok) throw new Error(`${method} succeeded; expected an error`)
    return response.error
  }
  const jobEnded = (id: string, timeoutMs = 60_000): Promise<JobState> =>
    waitFor(async () => {
      const job = await call<JobState>('jobs.get', { id })
      return ['completed', 'failed', 'cancelled'].includes(job.status) && job
    }, timeoutMs)
  return { call, failure, jobEnded }
}
