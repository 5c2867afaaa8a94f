/** Training utilities shared by every stage: AdamW, the LR schedule, seeded data order, checkpoints, the loop. */
export { AdamW, DEFAULT_ADAMW, type AdamWConfig } from './adamw.ts'
export { learningRateAt, type ScheduleConfig } from './schedule.ts'
export { DataOrder, type DataOrderState } from './data-order.ts'
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_DIR, type CheckpointState, type LoadedCheckpoint } from './checkpoint.ts'
export { train, validateTrainingConfig, type TrainingConfig, type TrainerSpec, type TrainingResult, type StepLoss, type TrainingContext } from './trainer.ts'
