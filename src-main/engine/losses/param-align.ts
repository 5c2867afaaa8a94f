/**
 * Parameter alignment: TAGI's L_ins = MSE(Δ_i, Hyper(a)) (paper Eq. 6), the generated adapter pulled
 * towards the instance-trained LoRA of the task's group.
 *
 * Orientation matters. A generated module acts as x·A·B with A (in, r), B (r, out) and no extra scale
 * (tagi-method.md §2.2). A PEFT teacher acts as x·(s·B_T·A_T)ᵀ with A_T (r, in), B_T (out, r), s = α/r.
 * So the teacher's update in the generated orientation is ΔW_T = s·A_Tᵀ·B_Tᵀ (in, out).
 *
 *   'delta'   (default, decisions.md §1 point 5): MSE(A·B, s·A_Tᵀ·B_Tᵀ), the updates themselves; ranks may differ
 *   'factors'  MSE(A, A_Tᵀ) + MSE(B, s·B_Tᵀ): factor by factor, same rank needed
 *   'code-swapped'  the released code (ni_trainer.py `cal_loramse`): MSE(A, B_T) + MSE(B, A_T), no transpose,
 *              no scaling; it only type-checks when in = out, and aligns with the transposed update
 *
 * Each MSE is the mean over every element of every module (the code stacks the modules), restricted to the
 * tasks whose group has a teacher LoRA; the result is multiplied by `scale` (the code's × 1000).
 * It works on task-level tensors (U tasks), because every instance of a task gets the same generated adapter.
 */
import { tf } from '../backend/index.ts'

export type AlignmentOrientation = 'delta' | 'factors' | 'code-swapped'

export interface ParamAlignConfig {
  /** How generated and teacher factors are compared; 'delta' is orientation- and rank-safe. */
  orientation: AlignmentOrientation
  /** Multiplier on the MSE; the code's 1000 brings tiny weight differences to the scale of the CE. */
  scale: number
}

export const DEFAULT_PARAM_ALIGN: ParamAlignConfig = { orientation: 'delta', scale: 1000 }

/** A generated module for U tasks: x·A·B. */
export interface GeneratedFactors {
  A: tf.Tensor // (U, in, r)
  B: tf.Tensor // (U, r, out)
}

/** A teacher module for U tasks in PEFT orientation (rows of tasks without a teacher may hold anything). */
export interface TeacherFactors {
  A: tf.Tensor // (U, r_t, in)
  B: tf.Tensor // (U, out, r_t)
  /** PEFT scaling α/r. */
  scale: number
}

const transposeLast = (x: tf.Tensor) => tf.transpose(x, [0, 2, 1])

/** Per-task sum of squares of a (U, ...) difference: (U,). */
function sumSquaresPerTask(diff: tf.Tensor): tf.Tensor {
  return tf.sum(tf.reshape(tf.mul(diff, diff), [diff.shape[0], -1]), 1)
}

function checkShape(id: string, what: string, tensor: tf.Tensor, expected: number[]): void {
  if (tensor.shape.join() !== expected.join()) {
    throw new Error(`parameter alignment, module '${id}': ${what} has shape [${tensor.shape}], expected [${expected}]`)
  }
}

/**
 * @param generated  moduleId → generated factors (U tasks)
 * @param teacher    moduleId → teacher factors (U tasks); must hold exactly the same module ids
 * @param hasTeacher (U,) 1 where the task's group has a teacher LoRA, else 0
 * @returns scalar L_ins (0 when no task in the batch has a teacher)
 */
export function parameterAlignment(
  generated: Map<string, GeneratedFactors>,
  teacher: Map<string, TeacherFactors>,
  hasTeacher: tf.Tensor,
  config: ParamAlignConfig = DEFAULT_PARAM_ALIGN,
): tf.Scalar {
  const missing = [...generated.keys()].filter((id) => !teacher.has(id))
  const extra = [...teacher.keys()].filter((id) => !generated.has(id))
  if (missing.length || extra.length) {
    throw new Error(`parameter alignment: module ids differ (no teacher for [${missing}], teacher only for [${extra}])`)
  }
  if (generated.size === 0) throw new Error('parameter alignment: no modules to align')
  return tf.tidy(() => {
    const weights = tf.cast(hasTeacher, 'float32') // (U,)
    // Two accumulators: the code's 'factors' and 'code-swapped' forms add two separate MSEs (A and B).
    const sums: tf.Tensor[] = [tf.zeros([weights.shape[0]]), tf.zeros([weights.shape[0]])]
    const counts = [0, 0]
    const add = (slot: number, diff: tf.Tensor) => {
      sums[slot] = tf.add(sums[slot], sumSquaresPerTask(diff))
      counts[slot] += diff.size / diff.shape[0]
    }
    for (const [id, gen] of generated) {
      const t = teacher.get(id)!
      const [tasks, dIn, rank] = gen.A.shape as [number, number, number]
      const dOut = gen.B.shape[2]!
      checkShape(id, 'generated B', gen.B, [tasks, rank, dOut])
      const teacherRank = t.A.shape[1]!
      checkShape(id, 'teacher A', t.A, [tasks, teacherRank, dIn])
      checkShape(id, 'teacher B', t.B, [tasks, dOut, teacherRank])
      if (config.orientation === 'delta') {
        const deltaGen = tf.matMul(gen.A, gen.B) // (U, in, out)
        const deltaTeacher = tf.mul(transposeLast(tf.matMul(t.B, t.A)), t.scale) // (U, out, in) → (U, in, out)
        add(0, tf.sub(deltaGen, deltaTeacher))
      } else if (config.orientation === 'factors') {
        if (teacherRank !== rank) throw new Error(`parameter alignment, module '${id}': 'factors' needs equal ranks, generated ${rank} vs teacher ${teacherRank}`)
        add(0, tf.sub(gen.A, transposeLast(t.A))) // (U, in, r)
        add(1, tf.sub(gen.B, tf.mul(transposeLast(t.B), t.scale))) // (U, r, out)
      } else {
        if (teacherRank !== rank || dIn !== dOut) {
          throw new Error(`parameter alignment, module '${id}': 'code-swapped' needs in = out and equal ranks, got in ${dIn}, out ${dOut}, ranks ${rank}/${teacherRank}`)
        }
        add(0, tf.sub(gen.A, t.B)) // (U, in, r) against (U, out, r)
        add(1, tf.sub(gen.B, t.A)) // (U, r, out) against (U, r, in)
      }
    }
    const taskCount = tf.sum(weights)
    let total: tf.Tensor = tf.scalar(0)
    for (let slot = 0; slot < 2; slot++) {
      if (counts[slot] === 0) continue
      const mse = tf.div(tf.sum(tf.mul(sums[slot], weights)), tf.mul(tf.maximum(taskCount, 1), counts[slot]))
      total = tf.add(total, mse)
    }
    return tf.mul(total, config.scale) as tf.Scalar
  })
}
