/**
 * Messages between the data-parallel trainer (main thread) and its workers, and the shard format.
 * Weights travel through one SharedArrayBuffer that the main thread writes before each step; every
 * worker writes its gradients into its own SharedArrayBuffer, so only small messages are posted.
 */
import type { BackendPreference } from '../backend/index.ts'

/** A tensor as plain data (structured-cloneable, transferable). */
export interface TensorData {
  shape: number[]
  dtype: 'float32' | 'int32'
  data: Float32Array | Int32Array
}

export type BatchData = Record<string, TensorData>

/** Name, shape and offset (in floats) of each trainable tensor inside the flat shared buffers. */
export interface ParamLayout {
  name: string
  shape: number[]
  offset: number
  size: number
}

export interface InitMessage {
  type: 'init'
  replicaModule: string
  replicaOptions: unknown
  backend: BackendPreference
  weights: SharedArrayBuffer
  grads: SharedArrayBuffer
}

export interface StepMessage {
  type: 'step'
  batch: BatchData
}

export type ToWorker = InitMessage | StepMessage | { type: 'close' }

export interface ReadyReply {
  type: 'ready'
  layout: ParamLayout[]
  backend: string
}

export interface StepReply {
  type: 'step'
  loss: number
  terms: Record<string, number>
  /** What the shard's mean is taken over (e.g. valid labels): the averaging weight. */
  weight: number
}

export type FromWorker = ReadyReply | StepReply | { type: 'error'; message: string }
