/**
 * Logit distillation: TAGI's L_kl = KL(teacher ‖ student) per target position (paper Eq. 5).
 *
 * Default (decisions.md §1 point 6): the released code's `--logit_stand` path (ni_trainer.py `kd_loss`):
 * each position's logits are z-scored over the vocabulary, (z − mean) / (std + 1e-7) with torch's default
 * unbiased std, then softened at temperature T = 3, and the KL is multiplied by T² (Hinton et al. 2015:
 * it keeps the gradient scale independent of T). The other variant is plain temperature KL (no z-scoring).
 * Unlike the code, padding positions are excluded from the mean: the teacher and the student both see
 * the same labels, so their positions align one to one and only real target tokens carry signal.
 */
import { tf } from '../backend/index.ts'

export interface LogitKlConfig {
  /** Softmax temperature; 3.0 is the script's value. */
  temperature: number
  /** Z-score each position's logits before the softmax (code's `--logit_stand`); false = plain temperature KL. */
  standardize: boolean
  /** Multiply by T² so the gradient magnitude does not shrink as T grows (code and Hinton et al.). */
  scaleByTemperatureSquared: boolean
}

export const DEFAULT_LOGIT_KL: LogitKlConfig = { temperature: 3, standardize: true, scaleByTemperatureSquared: true }

/** Per-position z-scoring over the last axis, with the unbiased (n − 1) std as torch's `Tensor.std`. */
export function standardizeLogits(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const vocab = logits.shape[logits.rank - 1]
    if (vocab < 2) throw new Error(`standardizeLogits: need at least 2 logits per position, got ${vocab}`)
    const centred = tf.sub(logits, tf.mean(logits, -1, true))
    const variance = tf.div(tf.sum(tf.mul(centred, centred), -1, true), vocab - 1)
    return tf.div(centred, tf.add(tf.sqrt(variance), 1e-7))
  })
}

/**
 * @param studentLogits (B, T, V)
 * @param teacherLogits (B, T, V), a constant (computed outside the gradient tape)
 * @param mask          (B, T) 1 for real target positions
 * @returns scalar mean over real positions of Σ_v q_t(v)·(log q_t(v) − log q_s(v)), times T² when configured
 */
export function logitKl(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  mask: tf.Tensor,
  config: LogitKlConfig = DEFAULT_LOGIT_KL,
): tf.Scalar {
  if (studentLogits.shape.join() !== teacherLogits.shape.join()) {
    throw new Error(`logitKl: student logits [${studentLogits.shape}] and teacher logits [${teacherLogits.shape}] differ in shape`)
  }
  if (studentLogits.rank !== 3) throw new Error(`logitKl: logits must be (B, T, V), got [${studentLogits.shape}]`)
  const [batch, steps] = studentLogits.shape
  if (mask.shape.join() !== `${batch},${steps}`) throw new Error(`logitKl: mask [${mask.shape}] must be [${batch},${steps}]`)
  if (!(config.temperature > 0)) throw new Error(`logitKl: temperature must be > 0, got ${config.temperature}`)
  return tf.tidy(() => {
    const prepare = (z: tf.Tensor) => tf.div(config.standardize ? standardizeLogits(z) : z, config.temperature)
    const logQs = tf.logSoftmax(prepare(studentLogits)) // (B, T, V)
    const logQt = tf.logSoftmax(prepare(teacherLogits)) // (B, T, V)
    const perPosition = tf.sum(tf.mul(tf.exp(logQt), tf.sub(logQt, logQs)), -1) // (B, T)
    const weights = tf.cast(mask, 'float32')
    const mean = tf.div(tf.sum(tf.mul(perPosition, weights)), tf.maximum(tf.sum(weights), 1))
    const factor = config.scaleByTemperatureSquared ? config.temperature * config.temperature : 1
    return tf.mul(mean, factor) as tf.Scalar
  })
}
