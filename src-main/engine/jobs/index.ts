/** The job system: kinds (what can run), the manager (queue, progress, cancel, history). */
export { defineJobKind, JobCancelledError, type JobContext, type JobKind, type ProgressUpdate } from './job-kind.ts'
export { JobManager, type JobManagerOptions } from './job-manager.ts'
export { BUILTIN_JOB_KINDS } from './kinds/index.ts'
