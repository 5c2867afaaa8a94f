/**
 * PEFT adapter folders (the common currency: teachers and generated adapters are both exported as
 * adapter_config.json + adapter_model.safetensors) read straight into float64 low-rank pairs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { PeftAdapter } from '../models/lora/peft.ts'
import type { LowRankSet } from './compare.ts'
import { lowRankSet } from './delta.ts'

/** Load a PEFT folder as float64 low-rank pairs; the tensors are released at once. Needs initBackend(). */
export function loadAdapterDir(dir: string): LowRankSet {
  const adapter = PeftAdapter.load(dir)
  try {
    return lowRankSet(adapter)
  } finally {
    adapter.dispose()
  }
}

export function isAdapterDir(dir: string): boolean {
  return existsSync(join(dir, 'adapter_config.json'))
}

/**
 * The adapter folders a path names: the folder itself when it is one, else its direct subfolders that
 * are (a folder of teachers), named by subfolder. An error when it is neither, naming the path.
 */
export function adapterDirsUnder(path: string): { name: string; dir: string }[] {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new Error(`'${path}' is not a folder`)
  if (isAdapterDir(path)) return [{ name: basename(path), dir: path }]
  const found = readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && isAdapterDir(join(path, entry.name)))
    .map((entry) => ({ name: entry.name, dir: join(path, entry.name) }))
    .sort((x, y) => x.name.localeCompare(y.name))
  if (found.length === 0) throw new Error(`'${path}' is not a PEFT adapter folder (no adapter_config.json) and holds none`)
  return found
}
