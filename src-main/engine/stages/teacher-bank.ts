/**
 * The teacher LoRAs of every group, loaded once and stacked per module, so a batch that mixes tasks of
 * several groups gets, row by row, the LoRA of its own group: as per-example adapters for the KL teacher's
 * forward pass, and as PEFT factors for parameter alignment. Index G (one past the last group) is an
 * all-zero LoRA: tasks whose group has no teacher get the plain backbone there and no alignment.
 */
import { tf } from '../backend/index.ts'
import type { SniTask } from '../data/sni/task.ts'
import type { TeacherFactors } from '../losses/index.ts'
import { PeftAdapter, type LoraSet } from '../models/lora/index.ts'
import type { T5Config } from '../models/t5/index.ts'
import type { Workspace } from '../store/workspace.ts'
import { taskGroup } from './common.ts'
import { ADAPTER_DIR } from './teacher.ts'

export interface TeacherBank {
  readonly groups: string[]
  /** Position of the task's group among the teachers, or -1. */
  groupIndex(task: SniTask): number
  /** Per-example adapters (x·A·B orientation) for rows of the given groups (-1 = none). */
  perExample(groupPerRow: readonly number[]): LoraSet
  /** PEFT factors (U, r, in) / (U, out, r) of the given modules for U tasks' groups (-1 rows are zero). */
  factors(groupPerTask: readonly number[], moduleIds?: readonly string[]): Map<string, TeacherFactors>
  /** The static LoRA of one group. */
  adapter(group: number): PeftAdapter
  dispose(): void
}

export function loadTeachers(workspace: Workspace, runIds: readonly string[], model: T5Config): TeacherBank {
  const adapters: PeftAdapter[] = []
  const groups: string[] = []
  try {
    for (const id of runIds) {
      const run = workspace.runs.open(id)
      if (run.record.stage !== 'teacher' || run.record.status !== 'completed') throw new Error(`run ${id} is not a completed teacher run`)
      const group = String(run.record.config.group)
      if (groups.includes(group)) throw new Error(`two teacher runs for group '${group}' (${runIds[groups.indexOf(group)]} and ${id})`)
      const adapter = PeftAdapter.load(run.path(ADAPTER_DIR))
      adapter.checkAgainst(model)
      adapters.push(adapter)
      groups.push(group)
    }
  } catch (error) {
    for (const a of adapters) a.dispose()
    throw error
  }
  const first = adapters[0]!
  const moduleIds = [...first.modules.keys()]
  for (const [i, a] of adapters.entries()) {
    if (a.r !== first.r || a.scale !== first.scale || [...a.modules.keys()].join() !== moduleIds.join()) {
      throw new Error(`teacher ${runIds[i]} (group '${groups[i]}') differs from ${runIds[0]} in rank, alpha or modules; train all teachers alike`)
    }
  }
  const g = adapters.length
  // Per module: PEFT stacks (G+1, r, in) and (G+1, out, r), the last row zero.
  const stacks = new Map<string, { A: tf.Tensor3D; B: tf.Tensor3D }>()
  for (const id of moduleIds) {
    stacks.set(
      id,
      tf.tidy(() => {
        const a = adapters.map((ad) => ad.modules.get(id)!.A)
        const b = adapters.map((ad) => ad.modules.get(id)!.B)
        return { A: tf.stack([...a, tf.zerosLike(a[0]!)]) as tf.Tensor3D, B: tf.stack([...b, tf.zerosLike(b[0]!)]) as tf.Tensor3D }
      }),
    )
  }
  const rowsOf = (groupsPerRow: readonly number[]) => tf.tensor1d(groupsPerRow.map((x) => (x < 0 ? g : x)), 'int32')
  return {
    groups,
    groupIndex: (task) => groups.indexOf(taskGroup(task)),
    perExample(groupPerRow) {
      const set: LoraSet = new Map()
      const idx = rowsOf(groupPerRow)
      for (const [id, { A, B }] of stacks) {
        set.set(id, {
          kind: 'per-example',
          A: tf.transpose(tf.gather(A, idx), [0, 2, 1]) as tf.Tensor3D, // (B, r, in) → (B, in, r)
          B: tf.transpose(tf.gather(B, idx), [0, 2, 1]) as tf.Tensor3D, // (B, out, r) → (B, r, out)
          scale: first.scale,
        })
      }
      idx.dispose()
      return set
    },
    factors(groupPerTask, ids = moduleIds) {
      const out = new Map<string, TeacherFactors>()
      const idx = rowsOf(groupPerTask)
      for (const id of ids) {
        const stack = stacks.get(id)
        if (!stack) throw new Error(`teacher LoRAs have no module '${id}' (they adapt: ${moduleIds.join(', ')})`)
        out.set(id, { A: tf.gather(stack.A, idx), B: tf.gather(stack.B, idx), scale: first.scale })
      }
      idx.dispose()
      return out
    },
    adapter: (group) => adapters[group]!,
    dispose() {
      for (const a of adapters) a.dispose()
      for (const { A, B } of stacks.values()) tf.dispose([A, B])
    },
  }
}
