/**
 * Data-parallel training over worker threads: the only way to use more than one core with
 * tfjs-wasm in Node (its own thread pool is disabled there, environment.md §3a). Each worker holds its
 * own wasm instance and a replica of the model; a step splits the global batch by rows, every worker
 * computes its shard's loss and gradients from the same weights, and the trainer averages them
 * weighted by each shard's item count, so the result equals one worker on the whole batch up to
 * float rounding. The optimizer step is then applied once, on the caller's weights (e.g. tf.train.adam or
 * the stages' AdamW), which the next step broadcasts again: every replica always sees identical weights.
 *
 * Fallback: if worker threads cannot start (e.g. the worker entry is not in a bundle), the trainer runs
 * the replica in this thread and says why in `fallbackReason`.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { tf, type BackendPreference } from '../backend/index.ts'
import type { BatchData, FromWorker, ParamLayout, StepReply, ToWorker } from './protocol.ts'
import { batchRows, loadReplica, shardGradients, sliceBatch, toTensorData, type Replica, type TensorBatch } from './replica.ts'

export interface DataParallelOptions {
  /** ES module exporting `createReplica(options)` (see replica.ts): a path or a file URL. */
  replicaModule: string | URL
  /** Passed to `createReplica` in every worker; must be structured-cloneable. */
  replicaOptions?: unknown
  /** Worker threads; 0 runs in this thread. Default: 2, capped at the core count (one wasm thread each). */
  workers?: number
  /** Backend each worker starts; 'auto' = the usual preference order. */
  backend?: BackendPreference
  /** The worker entry; default ./worker.ts (or .js once built) beside this file. */
  workerUrl?: URL
}

export interface DataParallelStep {
  /** Loss of the global batch (weighted mean of the shard losses). */
  loss: number
  terms: Record<string, number>
  /** Averaged gradients, keyed like the replica's `trainable`; the caller disposes them. */
  grads: Map<string, tf.Tensor>
}

export interface DataParallelTrainer {
  /** Threads computing gradients (1 when running in this thread). */
  readonly threads: number
  /** Why the trainer runs in this thread although workers were asked for; null otherwise. */
  readonly fallbackReason: string | null
  /** Trainable tensors in the order the shared buffers hold them. */
  readonly layout: ParamLayout[]
  /** Loss and averaged gradients of `batch` at `weights` (a map with every trainable name). */
  gradients(weights: Map<string, tf.Tensor>, batch: TensorBatch | BatchData): Promise<DataParallelStep>
  /** `gradients`, then `optimizer.applyGradients` on `weights` (variables), grads disposed. */
  step(weights: Map<string, tf.Variable>, batch: TensorBatch | BatchData, optimizer: tf.Optimizer): Promise<{ loss: number; terms: Record<string, number> }>
  dispose(): Promise<void>
}

interface WorkerSlot {
  worker: Worker
  grads: Float32Array
  pending: { resolve: (r: FromWorker) => void; reject: (e: Error) => void } | null
}

function toUrlString(module: string | URL): string {
  if (module instanceof URL) return module.href
  return module.startsWith('file:') ? module : pathToFileURL(module).href
}

function defaultWorkerUrl(): URL {
  const ts = new URL('./worker.ts', import.meta.url)
  return existsSync(fileURLToPath(ts)) ? ts : new URL('./worker.js', import.meta.url)
}

/** file URL of tsx's ESM `register()` API (import.meta.resolve where the runtime has it, e.g. not under vitest). */
function tsxApiUrl(): string {
  try {
    return import.meta.resolve('tsx/esm/api')
  } catch {
    // require.resolve finds the CommonJS build; its ESM twin sits beside it (the CJS one cannot be import()ed).
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  }
}

/**
 * Node 20 workers do not get tsx's hooks from an inherited `--import tsx` (measured: "Unknown file
 * extension .ts"), so a .ts worker starts from a two-line bootstrap that registers tsx's loader first.
 * A built .js worker starts directly.
 */
function spawnWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url)
  const code = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(code, { eval: true })
}

function toBatchData(batch: TensorBatch | BatchData): BatchData {
  return Object.fromEntries(Object.entries(batch).map(([k, t]) => [k, t instanceof tf.Tensor ? toTensorData(t) : t]))
}

function checkWeights(layout: ParamLayout[], weights: Map<string, tf.Tensor>): void {
  for (const p of layout) {
    const w = weights.get(p.name)
    if (!w) throw new Error(`data-parallel step: weight '${p.name}' is missing from the weights map`)
    if (w.shape.join() !== p.shape.join()) throw new Error(`data-parallel step: weight '${p.name}' has shape [${w.shape}], the replica [${p.shape}]`)
  }
}

function layoutOf(replica: Replica): ParamLayout[] {
  let offset = 0
  return [...replica.trainable].map(([name, v]) => {
    const entry = { name, shape: [...v.shape], offset, size: v.size }
    offset += v.size
    return entry
  })
}

export async function createDataParallelTrainer(options: DataParallelOptions): Promise<DataParallelTrainer> {
  const replicaModule = toUrlString(options.replicaModule)
  const requested = options.workers ?? Math.min(2, availableParallelism())
  if (!Number.isInteger(requested) || requested < 0) throw new Error(`data-parallel: workers must be an integer ≥ 0, found ${options.workers}`)
  if (requested === 0) return inProcessTrainer(await loadReplica(replicaModule, options.replicaOptions), null)
  const workerUrl = options.workerUrl ?? defaultWorkerUrl()
  if (!existsSync(fileURLToPath(workerUrl))) {
    const reason = `the worker entry ${fileURLToPath(workerUrl)} does not exist (a bundle must emit parallel/worker as its own entry)`
    return inProcessTrainer(await loadReplica(replicaModule, options.replicaOptions), reason)
  }
  // The replica's layout decides the shared buffer sizes: read it from one in-thread replica.
  const probe = await loadReplica(replicaModule, options.replicaOptions)
  const layout = layoutOf(probe)
  probe.dispose?.()
  const total = layout.reduce((s, p) => s + p.size, 0)
  const weightsBuffer = new SharedArrayBuffer(total * 4)
  const weights = new Float32Array(weightsBuffer)
  const slots: WorkerSlot[] = []
  try {
    for (let i = 0; i < requested; i++) {
      const gradsBuffer = new SharedArrayBuffer(total * 4)
      const worker = spawnWorker(workerUrl)
      const slot: WorkerSlot = { worker, grads: new Float32Array(gradsBuffer), pending: null }
      worker.on('message', (m: FromWorker) => {
        const p = slot.pending
        slot.pending = null
        if (!p) return
        if (m.type === 'error') p.reject(new Error(`data-parallel worker ${i}: ${m.message}`))
        else p.resolve(m)
      })
      worker.on('error', (e) => {
        const p = slot.pending
        slot.pending = null
        p?.reject(e)
      })
      slots.push(slot)
      const init: ToWorker = { type: 'init', replicaModule, replicaOptions: options.replicaOptions, backend: options.backend ?? 'auto', weights: weightsBuffer, grads: gradsBuffer }
      const ready = await call(slot, init)
      if (ready.type !== 'ready' || ready.layout.map((p) => p.name).join() !== layout.map((p) => p.name).join()) {
        throw new Error(`worker ${i}'s replica has other trainable tensors than the main thread's`)
      }
    }
  } catch (error) {
    await Promise.all(slots.map((s) => s.worker.terminate()))
    const reason = `worker threads could not start: ${error instanceof Error ? error.message : String(error)}`
    return inProcessTrainer(await loadReplica(replicaModule, options.replicaOptions), reason)
  }

  const trainer: DataParallelTrainer = {
    threads: slots.length,
    fallbackReason: null,
    layout,
    async gradients(current, batch) {
      checkWeights(layout, current)
      for (const p of layout) weights.set(current.get(p.name)!.dataSync() as Float32Array, p.offset)
      const data = toBatchData(batch)
      const rows = batchRows(data)
      const used = slots.slice(0, Math.min(slots.length, rows))
      const replies = (await Promise.all(
        used.map((slot, i) => call(slot, { type: 'step', batch: sliceBatch(data, Math.floor((i * rows) / used.length), Math.floor(((i + 1) * rows) / used.length)) })),
      )) as StepReply[]
      return average(layout, replies, used.map((s) => s.grads))
    },
    async step(current, batch, optimizer) {
      return applyStep(trainer, current, batch, optimizer)
    },
    async dispose() {
      await Promise.all(slots.map((s) => s.worker.terminate()))
    },
  }
  return trainer
}

function call(slot: WorkerSlot, message: ToWorker): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    slot.pending = { resolve, reject }
    slot.worker.postMessage(message)
  })
}

/** Σ_s w_s·g_s / Σ_s w_s for the gradients, the loss and the terms. */
function average(layout: ParamLayout[], replies: StepReply[], grads: Float32Array[]): DataParallelStep {
  const totalWeight = replies.reduce((s, r) => s + r.weight, 0)
  const share = replies.map((r) => (totalWeight > 0 ? r.weight / totalWeight : 1 / replies.length))
  const out = new Map<string, tf.Tensor>()
  for (const p of layout) {
    const values = new Float32Array(p.size)
    for (let s = 0; s < replies.length; s++) {
      const g = grads[s]
      const f = share[s]
      for (let i = 0; i < p.size; i++) values[i] += f * g[p.offset + i]
    }
    out.set(p.name, tf.tensor(values, p.shape, 'float32'))
  }
  const terms: Record<string, number> = {}
  for (const key of Object.keys(replies[0].terms)) terms[key] = replies.reduce((s, r, i) => s + share[i] * r.terms[key], 0)
  return { loss: replies.reduce((s, r, i) => s + share[i] * r.loss, 0), terms, grads: out }
}

async function applyStep(
  trainer: DataParallelTrainer,
  weights: Map<string, tf.Variable>,
  batch: TensorBatch | BatchData,
  optimizer: tf.Optimizer,
): Promise<{ loss: number; terms: Record<string, number> }> {
  const { loss, terms, grads } = await trainer.gradients(weights, batch)
  optimizer.applyGradients(Object.fromEntries([...grads].map(([name, g]) => [weights.get(name)!.name, g])))
  tf.dispose([...grads.values()])
  return { loss, terms }
}

/** The same contract on this thread: one replica, the whole batch. */
function inProcessTrainer(replica: Replica, fallbackReason: string | null): DataParallelTrainer {
  const layout = layoutOf(replica)
  const trainer: DataParallelTrainer = {
    threads: 1,
    fallbackReason,
    layout,
    async gradients(current, batch) {
      checkWeights(layout, current)
      for (const p of layout) {
        const source = current.get(p.name)!
        const target = replica.trainable.get(p.name)!
        if (source !== target) target.assign(source)
      }
      const total = layout.reduce((s, p) => s + p.size, 0)
      const flat = new Float32Array(total)
      const byName = new Map(layout.map((p) => [p.name, p]))
      const r = shardGradients(replica, toBatchData(batch), layout.map((p) => p.name), (name, values) => flat.set(values, byName.get(name)!.offset))
      return average(layout, [{ type: 'step', ...r }], [flat])
    },
    async step(current, batch, optimizer) {
      return applyStep(trainer, current, batch, optimizer)
    },
    async dispose() {
      replica.dispose?.()
    },
  }
  return trainer
}
