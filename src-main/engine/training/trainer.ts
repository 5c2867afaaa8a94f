/**
 * The training loop every stage shares (nanoGPT's train.py loop, made resumable and observable):
 *
 *   for step in start+1 .. steps:
 *     batch  = makeBatch(order.next(batchSize), rng)        seeded data order + RNG, both in the checkpoint
 *     grads  = ∇ lossFn(batch) over the trainable variables
 *     AdamW update at the scheduled learning rate
 *     metrics.jsonl line + progress event (step, every loss term, lr, tokens/s, ETA)
 *     checkpoint every N steps and at the end (atomic)
 *
 * A run folder that already holds a checkpoint is resumed from it: weights, optimiser moments, data order
 * and RNG are restored and the metrics written after that checkpoint are dropped, so the loss curve
 * continues exactly where the checkpoint left it. Cancelling writes a checkpoint before stopping.
 */
import { tf } from '../backend/index.ts'
import { Rng } from '../data/random.ts'
import { JobCancelledError, type JobContext } from '../jobs/job-kind.ts'
import { writeFileAtomic } from '../store/atomic.ts'
import type { Run } from '../store/run-store.ts'
import { AdamW, DEFAULT_ADAMW, type AdamWConfig } from './adamw.ts'
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts'
import { DataOrder } from './data-order.ts'
import { learningRateAt, type ScheduleConfig } from './schedule.ts'

export interface TrainingConfig extends ScheduleConfig {
  /** Optimiser updates in the whole run. */
  steps: number
  batchSize: number
  /** Write a checkpoint every this many steps (and always at the last step). */
  checkpointEvery: number
  /** Seeds the data order and the data RNG. */
  seed: number
}

/** What a stage computes for one batch: the loss to minimise and its named parts, for the logs. */
export interface StepLoss {
  loss: tf.Scalar
  terms: Record<string, tf.Scalar>
}

/** The part of a job's context the loop uses (the CLI and tests can supply their own). */
export type TrainingContext = Pick<JobContext, 'progress' | 'log' | 'yieldAndCheck'>

export interface TrainerSpec<Batch> {
  run: Run
  config: TrainingConfig
  /** The stage's resolved config; a checkpoint made under a different one is refused. */
  stageConfig: Record<string, unknown>
  /** Name → variable: what the optimiser updates and the checkpoint stores. */
  trainable: Map<string, tf.Variable>
  /** How many items the data order permutes. */
  itemCount: number
  /** Build the tensors of one batch from item indices (tokenisation, padding, label draws from `rng`). */
  makeBatch(indices: number[], rng: Rng): Batch
  /** The loss of a batch; runs inside the gradient tape. */
  lossFn(batch: Batch): StepLoss
  /** Tokens processed by a batch (encoder + decoder), for tokens/s. */
  batchTokens(batch: Batch): number
  disposeBatch(batch: Batch): void
  ctx: TrainingContext
  optimizer?: AdamWConfig
}

export interface TrainingResult {
  steps: number
  /** The step the run resumed from (0 for a fresh start). */
  resumedFrom: number
  finalLoss: number | null
  seconds: number
}

export function validateTrainingConfig(config: TrainingConfig): void {
  for (const key of ['steps', 'batchSize', 'checkpointEvery'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new Error(`training config: ${key} must be a positive integer, got ${config[key]}`)
  }
}

/** Keep only the metric lines of steps ≤ `step` (the ones the restored state has seen). */
function truncateMetrics(run: Run, step: number): void {
  const kept = run.readMetrics().filter((row) => typeof row.step === 'number' && row.step <= step)
  writeFileAtomic(run.path('metrics.jsonl'), kept.map((row) => JSON.stringify(row) + '\n').join(''))
}

export async function train<Batch>(spec: TrainerSpec<Batch>): Promise<TrainingResult> {
  const { run, config, ctx } = spec
  validateTrainingConfig(config)
  const optimizer = new AdamW(spec.trainable, spec.optimizer ?? DEFAULT_ADAMW)
  const varNames = new Map([...spec.trainable].map(([name, v]) => [v.name, name]))
  let order = DataOrder.fresh(spec.itemCount, config.seed)
  const rng = Rng.derive(config.seed, 'batches')
  let step = 0
  const checkpoint = loadCheckpoint(run.dir)
  if (checkpoint) {
    const saved = JSON.stringify(checkpoint.state.config)
    if (saved !== JSON.stringify(spec.stageConfig)) {
      throw new Error(`run ${run.id}: its checkpoint was made with another config; start a new run (saved ${saved.slice(0, 300)})`)
    }
    for (const [name, variable] of spec.trainable) {
      const t = checkpoint.params.get(name)
      if (!t) throw new Error(`run ${run.id}: checkpoint lacks weight '${name}'`)
      if (t.shape.join() !== variable.shape.join()) throw new Error(`run ${run.id}: checkpoint weight '${name}' has shape [${t.shape}], expected [${variable.shape}]`)
      tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(t.data), variable.shape)))
    }
    optimizer.loadState(checkpoint.optimizer, checkpoint.state.step)
    order = new DataOrder(spec.itemCount, checkpoint.state.dataOrder)
    rng.setState(checkpoint.state.rng)
    step = checkpoint.state.step
    truncateMetrics(run, step)
    ctx.log(`resuming ${run.id} from its checkpoint at step ${step}/${config.steps}`)
  }
  const resumedFrom = step
  const save = () =>
    saveCheckpoint(run.dir, { step, dataOrder: order.snapshot(), rng: rng.state, config: spec.stageConfig }, spec.trainable, optimizer.stateTensors())
  const started = performance.now()
  let finalLoss: number | null = null
  run.update({ status: 'running' })
  try {
    while (step < config.steps) {
      await ctx.yieldAndCheck()
      const stepStarted = performance.now()
      const batch = spec.makeBatch(order.next(config.batchSize), rng)
      const lr = learningRateAt(step + 1, config.steps, config)
      let terms: Record<string, tf.Scalar> = {}
      const { value, grads } = tf.variableGrads(() => {
        const out = spec.lossFn(batch)
        terms = Object.fromEntries(Object.entries(out.terms).map(([k, t]) => [k, tf.keep(t)]))
        return out.loss
      }, [...spec.trainable.values()])
      const named = new Map(Object.entries(grads).map(([varName, g]) => [varNames.get(varName)!, g]))
      const gradNorm = optimizer.apply(named, lr)
      step += 1
      finalLoss = value.dataSync()[0]!
      const termValues = Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]!]))
      const tokens = spec.batchTokens(batch)
      tf.dispose([value, ...Object.values(grads), ...Object.values(terms)])
      spec.disposeBatch(batch)
      if (!Number.isFinite(finalLoss)) throw new Error(`step ${step}: the loss is ${finalLoss}; training diverged (try a lower learning rate)`)
      const stepSeconds = (performance.now() - stepStarted) / 1000
      const sessionSteps = step - resumedFrom
      const etaSeconds = (((performance.now() - started) / 1000) / sessionSteps) * (config.steps - step)
      const metrics = { loss: finalLoss, ...termValues, lr, tokens_per_s: tokens / stepSeconds, grad_norm: gradNorm, eta_s: etaSeconds }
      run.appendMetric({ step, ...metrics })
      ctx.progress({ step, total: config.steps, message: `step ${step}/${config.steps} loss ${finalLoss.toFixed(4)}`, metrics })
      if (step % config.checkpointEvery === 0 || step === config.steps) save()
    }
  } catch (error) {
    if (error instanceof JobCancelledError) {
      save()
      run.update({ status: 'cancelled' })
      ctx.log(`cancelled at step ${step}; checkpoint written, the run can be resumed`)
    } else {
      run.update({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
    }
    throw error
  } finally {
    optimizer.dispose()
  }
  return { steps: step, resumedFrom, finalLoss, seconds: (performance.now() - started) / 1000 }
}
