/** Shared by the stage tests: the SNI sample's path and a job context that records nothing and never cancels. */
import { resolve } from 'node:path'
import type { JobContext } from '../../../src-main/engine/jobs/job-kind.ts'

export const SAMPLE = resolve(__dirname, '../../../../shared/data/sni/sample')

export const ctxFor = (workspaceDir: string): JobContext => ({
  jobId: 'test',
  signal: new AbortController().signal,
  workspaceDir,
  progress: () => {},
  log: () => {},
  yieldAndCheck: async () => {},
})
