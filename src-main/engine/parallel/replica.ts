/**
 * What a data-parallel replica is: an ES module, loaded in every worker, exporting `createReplica`.
 * Functions cannot cross threads, so the model and the loss are built inside each worker from
 * structured-cloneable options.
 */
import { tf } from '../backend/index.ts'
import type { BatchData, TensorData } from './protocol.ts'

export type TensorBatch = Record<string, tf.Tensor>

export interface Replica {
  /** Name → variable: the tensors whose gradients are averaged (same names and order in every replica). */
  trainable: Map<string, tf.Variable>
  /** Loss of a batch (a mean over `batchWeight(batch)` items); runs inside the gradient tape. */
  lossFn(batch: TensorBatch): tf.Scalar | { loss: tf.Scalar; terms: Record<string, tf.Scalar> }
  /**
   * How many items the loss of this batch is a mean over (e.g. labels ≠ -100). Shards are averaged
   * with these weights, so N workers equal one worker on the whole batch. Default: the rows.
   */
  batchWeight?(batch: BatchData): number
  dispose?(): void
}

/** The module contract: `export function createReplica(options): Replica | Promise<Replica>`. */
export interface ReplicaModule {
  createReplica(options: unknown): Replica | Promise<Replica>
}

export function toTensorData(t: tf.Tensor): TensorData {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`data-parallel batch: tensors must be float32 or int32, found ${t.dtype}`)
  return { shape: [...t.shape], dtype: t.dtype, data: t.dataSync() as Float32Array | Int32Array }
}

export function fromTensorData(d: TensorData): tf.Tensor {
  return tf.tensor(d.data, d.shape, d.dtype)
}

/** Rows [from, to) of every tensor of a batch (axis 0), copied so each shard can be transferred. */
export function sliceBatch(batch: BatchData, from: number, to: number): BatchData {
  const out: BatchData = {}
  for (const [key, t] of Object.entries(batch)) {
    const row = t.shape.slice(1).reduce((a, b) => a * b, 1)
    out[key] = { shape: [to - from, ...t.shape.slice(1)], dtype: t.dtype, data: t.data.slice(from * row, to * row) }
  }
  return out
}

/** Rows of a batch; every tensor must have the same first dimension. */
export function batchRows(batch: BatchData): number {
  const rows = new Set(Object.values(batch).map((t) => t.shape[0]))
  if (rows.size !== 1) throw new Error(`data-parallel batch: every tensor needs the same first dimension (rows), found ${[...rows].join(', ')}`)
  return [...rows][0]
}

export async function loadReplica(replicaModule: string, options: unknown): Promise<Replica> {
  const mod = (await import(replicaModule)) as Partial<ReplicaModule>
  if (typeof mod.createReplica !== 'function') throw new Error(`replica module ${replicaModule} does not export a createReplica(options) function`)
  return mod.createReplica(options)
}

/**
 * Loss, its terms and the gradients of one (shard) batch, gradients written into `out` at `layout`
 * offsets. The weight comes from the replica's `batchWeight` or the row count.
 */
export function shardGradients(
  replica: Replica,
  data: BatchData,
  names: string[],
  write: (name: string, values: Float32Array) => void,
): { loss: number; terms: Record<string, number>; weight: number } {
  const batch: TensorBatch = Object.fromEntries(Object.entries(data).map(([k, d]) => [k, fromTensorData(d)]))
  const variables = names.map((n) => replica.trainable.get(n)!)
  let terms: Record<string, tf.Scalar> = {}
  const { value, grads } = tf.variableGrads(() => {
    const out = replica.lossFn(batch)
    if (out instanceof tf.Tensor) return out
    terms = Object.fromEntries(Object.entries(out.terms).map(([k, t]) => [k, tf.keep(t)]))
    return out.loss
  }, variables)
  names.forEach((name, i) => {
    const g = grads[variables[i].name]
    write(name, g ? (g.dataSync() as Float32Array) : new Float32Array(variables[i].size))
  })
  const result = {
    loss: value.dataSync()[0],
    terms: Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]])),
    weight: replica.batchWeight ? replica.batchWeight(data) : batchRows(data),
  }
  tf.dispose([value, ...Object.values(grads), ...Object.values(terms), ...Object.values(batch)])
  return result
}
