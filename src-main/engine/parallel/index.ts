/** Data-parallel training over worker threads (both cores with tfjs-wasm). */
export { createDataParallelTrainer, type DataParallelOptions, type DataParallelStep, type DataParallelTrainer } from './trainer.ts'
export { type Replica, type ReplicaModule, type TensorBatch } from './replica.ts'
export { type BatchData, type TensorData, type ParamLayout } from './protocol.ts'
export { type T5ReplicaOptions } from './t5-replica.ts'
