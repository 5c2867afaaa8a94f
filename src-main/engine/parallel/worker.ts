/**
 * Worker entry of the data-parallel trainer: its own tfjs instance (its own wasm heap and thread),
 * one replica, and a loop of "copy the shared weights in, compute this shard's gradients, write them out".
 */
import { parentPort } from 'node:worker_threads'
import { initBackend, tf } from '../backend/index.ts'
import type { FromWorker, ParamLayout, ToWorker } from './protocol.ts'
import { loadReplica, shardGradients, type Replica } from './replica.ts'

if (!parentPort) throw new Error('parallel/worker.ts must run as a worker thread')
const port = parentPort

let replica: Replica | null = null
let layout: ParamLayout[] = []
let weights: Float32Array
let grads: Float32Array

function reply(message: FromWorker): void {
  port.postMessage(message)
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'init') {
    const backend = await initBackend(message.backend)
    replica = await loadReplica(message.replicaModule, message.replicaOptions)
    let offset = 0
    layout = [...replica.trainable].map(([name, v]) => {
      const entry = { name, shape: [...v.shape], offset, size: v.size }
      offset += v.size
      return entry
    })
    weights = new Float32Array(message.weights)
    grads = new Float32Array(message.grads)
    if (offset !== weights.length) throw new Error(`worker replica has ${offset} trainable values, the trainer ${weights.length}`)
    reply({ type: 'ready', layout, backend: backend.label })
  } else if (message.type === 'step') {
    if (!replica) throw new Error('step before init')
    const r = replica
    for (const p of layout) {
      const value = tf.tensor(weights.subarray(p.offset, p.offset + p.size), p.shape, 'float32')
      r.trainable.get(p.name)!.assign(value)
      value.dispose()
    }
    const byName = new Map(layout.map((p) => [p.name, p]))
    const out = shardGradients(r, message.batch, layout.map((p) => p.name), (name, values) => grads.set(values, byName.get(name)!.offset))
    reply({ type: 'step', ...out })
  } else {
    replica?.dispose?.()
    port.close()
  }
}

port.on('message', (message: ToWorker) => {
  handle(message).catch((error: unknown) => reply({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
})
