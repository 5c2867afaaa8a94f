/**
 * Checkpoints: everything a killed run needs to continue as if it had never stopped (nanoGPT's
 * checkpoint dict, anchors.md §3.7 point 5): trainable weights, optimiser moments, the step, the data
 * order, the RNG state, and the resolved config.
 *
 *   <run>/checkpoint/step-000120.safetensors   tensors: `param/<name>`, `optim/m/<name>`, `optim/v/<name>`
 *   <run>/checkpoint/checkpoint.json           { step, tensors file, state } — written last
 *
 * Both files are written atomically (write, fsync, rename), and checkpoint.json only ever names a
 * tensors file that is complete, so a SIGKILL at any moment leaves the previous checkpoint usable.
 * Older tensor files are removed after the new checkpoint.json is in place.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { tf } from '../backend/index.ts'
import { readSafetensors, writeSafetensors, type SafeTensor } from '../formats/safetensors.ts'
import { writeJsonAtomic } from '../store/atomic.ts'
import type { DataOrderState } from './data-order.ts'

export const CHECKPOINT_DIR = 'checkpoint'
const INDEX_FILE = 'checkpoint.json'

export interface CheckpointState {
  /** Optimiser updates done (the next step to run is step + 1). */
  step: number
  dataOrder: DataOrderState
  /** State of the run's data RNG (label sampling, split points). */
  rng: number
  /** The resolved config of the run, to refuse resuming with a different one. */
  config: Record<string, unknown>
}

export interface LoadedCheckpoint {
  state: CheckpointState
  params: Map<string, SafeTensor>
  optimizer: Map<string, SafeTensor>
}

function tensorFileName(step: number): string {
  return `step-${String(step).padStart(6, '0')}.safetensors`
}

export function saveCheckpoint(
  runDir: string,
  state: CheckpointState,
  params: Map<string, tf.Tensor>,
  optimizer: Map<string, tf.Tensor>,
): void {
  const dir = join(runDir, CHECKPOINT_DIR)
  mkdirSync(dir, { recursive: true })
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>()
  for (const [name, t] of params) tensors.set(`param/${name}`, { shape: t.shape, data: t.dataSync() as Float32Array })
  for (const [name, t] of optimizer) tensors.set(`optim/${name}`, { shape: t.shape, data: t.dataSync() as Float32Array })
  const file = tensorFileName(state.step)
  writeSafetensors(join(dir, file), tensors, { format: 'tagi-checkpoint' })
  writeJsonAtomic(join(dir, INDEX_FILE), { version: 1, file, state })
  for (const entry of readdirSync(dir)) {
    if (entry !== file && /^step-\d+\.safetensors$/.test(entry)) rmSync(join(dir, entry), { force: true })
  }
}

/** The last complete checkpoint of a run, or null when it has none. */
export function loadCheckpoint(runDir: string): LoadedCheckpoint | null {
  const dir = join(runDir, CHECKPOINT_DIR)
  const indexPath = join(dir, INDEX_FILE)
  if (!existsSync(indexPath)) return null
  let index: { version?: number; file?: string; state?: CheckpointState }
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8'))
  } catch (error) {
    throw new Error(`checkpoint ${indexPath} is not valid JSON (${(error as Error).message})`)
  }
  if (index.version !== 1 || typeof index.file !== 'string' || !index.state) {
    throw new Error(`checkpoint ${indexPath}: expected {version: 1, file, state}, found keys [${Object.keys(index)}]`)
  }
  const { tensors } = readSafetensors(join(dir, index.file))
  const params = new Map<string, SafeTensor>()
  const optimizer = new Map<string, SafeTensor>()
  for (const [name, t] of tensors) {
    if (name.startsWith('param/')) params.set(name.slice('param/'.length), t)
    else if (name.startsWith('optim/')) optimizer.set(name.slice('optim/'.length), t)
  }
  return { state: index.state, params, optimizer }
}
