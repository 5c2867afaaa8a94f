/** The job methods: list kinds, start, cancel, list, one job's state. */
import type { HandlersOf } from './types.ts'
import type { JobManager } from '../../engine/jobs/index.ts'

export function jobHandlers(jobs: JobManager): HandlersOf<'jobs.kinds' | 'jobs.start' | 'jobs.cancel' | 'jobs.list' | 'jobs.get'> {
  return {
    'jobs.kinds': () => jobs.kinds(),
    'jobs.start': (spec) => jobs.start(spec),
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    'jobs.list': () => jobs.list(),
    'jobs.get': ({ id }) => jobs.get(id),
  }
}
