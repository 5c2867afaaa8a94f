/**
 * The teacher bank hands each batch row the LoRA of its task's group. Its per-example adapters must act
 * exactly like the PEFT adapter applied statically (orientation and α/r scaling), and rows of tasks
 * without a teacher must see the plain backbone.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tf, initBackend } from '../../../src-main/engine/backend/index.ts'
import { PeftAdapter } from '../../../src-main/engine/models/lora/index.ts'
import { T5Model, t5Preset } from '../../../src-main/engine/models/t5/index.ts'
import { ADAPTER_DIR } from '../../../src-main/engine/stages/index.ts'
import { loadTeachers } from '../../../src-main/engine/stages/teacher-bank.ts'
import { Workspace } from '../../../src-main/engine/store/workspace.ts'

beforeAll(async () => {
  await initBackend()
})

describe('teacher bank', () => {
  it('per-example rows reproduce the static PEFT adapter of their group; rows without a teacher get the backbone', () => {
    const config = { ...t5Preset('tiny', 40), dropoutRate: 0 }
    const model = T5Model.init(config, 3)
    const workspace = new Workspace(mkdtempSync(join(tmpdir(), 'bank-')))
    const adapters: PeftAdapter[] = []
    const runIds: string[] = []
    for (const [i, group] of ['Counting', 'Classification'].entries()) {
      const init = PeftAdapter.init(config, { r: 2, alpha: 4, seed: i })
      // B = 0 at init would make every check trivial: give B random values.
      const modules = new Map([...init.modules].map(([id, { A, B }]) => [id, { A: A.clone(), B: tf.randomNormal(B.shape, 0, 0.5, 'float32', i + 10) as tf.Tensor2D }]))
      const adapter = new PeftAdapter(init.config, modules)
      init.dispose()
      const run = workspace.runs.create({ stage: 'teacher', config: { group } })
      adapter.save(run.path(ADAPTER_DIR))
      run.update({ status: 'completed' })
      adapters.push(adapter)
      runIds.push(run.id)
    }
    const bank = loadTeachers(workspace, runIds, config)
    expect(bank.groups).toEqual(['Counting', 'Classification'])
    const ids = tf.tensor2d([[5, 6, 7, 1], [8, 9, 1, 0], [10, 11, 12, 1]], undefined, 'int32')
    const mask = tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 1, 1]])
    const decoder = tf.tensor2d([[0, 5, 6], [0, 7, 8], [0, 9, 10]], undefined, 'int32')
    const batch = { inputIds: ids as tf.Tensor2D, attentionMask: mask as tf.Tensor2D, decoderInputIds: decoder as tf.Tensor2D }
    const mixed = model.forward(batch, { adapters: bank.perExample([1, -1, 0]) }).logits.arraySync() as number[][][]
    const second = model.forward(batch, { adapters: adapters[1]!.toLoraSet() }).logits.arraySync() as number[][][]
    const plain = model.forward(batch).logits.arraySync() as number[][][]
    const first = model.forward(batch, { adapters: adapters[0]!.toLoraSet() }).logits.arraySync() as number[][][]
    const close = (a: number[][], b: number[][]) => a.flat().forEach((x, i) => expect(x).toBeCloseTo(b.flat()[i]!, 4))
    close(mixed[0]!, second[0]!)
    close(mixed[1]!, plain[1]!)
    close(mixed[2]!, first[2]!)
    expect(second[0]!.flat()[0]).not.toBeCloseTo(plain[0]!.flat()[0]!, 4)

    // Alignment factors: PEFT orientation, rows of the given groups, zero for no teacher.
    const factors = bank.factors([0, -1], ['encoder.block.0.layer.0.SelfAttention.q'])
    const f = factors.get('encoder.block.0.layer.0.SelfAttention.q')!
    expect(f.scale).toBe(2)
    expect(f.A.shape).toEqual([2, 2, 64])
    expect(f.B.shape).toEqual([2, 64, 2])
    expect((f.A.arraySync() as number[][][])[0]).toEqual(adapters[0]!.modules.get('encoder.block.0.layer.0.SelfAttention.q')!.A.arraySync())
    expect(tf.max(tf.abs(f.B.slice([1, 0, 0], [1, 64, 2]))).dataSync()[0]).toBe(0)
    expect(() => bank.factors([0], ['encoder.block.0.layer.0.SelfAttention.k'])).toThrow(/no module 'encoder.block.0.layer.0.SelfAttention.k'/)
    bank.dispose()
    for (const a of adapters) a.dispose()
    model.dispose()
  })

  it('refuses a run that is not a completed teacher, and two teachers of one group', () => {
    const config = t5Preset('tiny', 40)
    const workspace = new Workspace(mkdtempSync(join(tmpdir(), 'bank-')))
    const other = workspace.runs.create({ stage: 'backbone', config: {} })
    expect(() => loadTeachers(workspace, [other.id], config)).toThrow(/is not a completed teacher run/)
    const ids: string[] = []
    for (let i = 0; i < 2; i++) {
      const run = workspace.runs.create({ stage: 'teacher', config: { group: 'Same' } })
      const adapter = PeftAdapter.init(config, { r: 2, alpha: 4 })
      adapter.save(run.path(ADAPTER_DIR))
      adapter.dispose()
      run.update({ status: 'completed' })
      ids.push(run.id)
    }
    expect(() => loadTeachers(workspace, ids, config)).toThrow(/two teacher runs for group 'Same'/)
  })
})
