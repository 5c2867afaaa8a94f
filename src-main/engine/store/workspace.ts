/**
 * The workspace: the folder where a user's datasets and runs live.
 *
 *   <workspace>/datasets/<id>/   imported datasets (task files, splits, provenance)
 *   <workspace>/runs/<id>/       runs of every stage (see run-store.ts)
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import envPaths from 'env-paths'
import { RunStore } from './run-store.ts'

/** The default workspace: a `tagi-studio` folder in the user's data directory (e.g. ~/.local/share on Linux). */
export function defaultWorkspaceDir(): string {
  return join(envPaths('tagi-studio', { suffix: '' }).data)
}

export class Workspace {
  readonly root: string
  readonly datasetsDir: string
  readonly runs: RunStore

  constructor(root: string) {
    this.root = resolve(root)
    this.datasetsDir = join(this.root, 'datasets')
    mkdirSync(this.datasetsDir, { recursive: true })
    this.runs = new RunStore(this.root)
  }
}
