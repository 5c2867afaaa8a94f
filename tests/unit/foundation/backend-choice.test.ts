// The compute backend chooser (src-main/engine/backend): preference order and the reasons it gives when
// it falls back. tfjs-node(-gpu) are optional dependencies that cannot install on every machine, so the
// expectations follow what is installed here.
import { describe, expect, it } from 'vitest'
import { createRequire } from 'node:module'
import { initBackend, activeBackend, tf } from '../../../src-main/engine/backend/index.ts'

const require = createRequire(import.meta.url)
function installed(name: string): boolean {
  try {
    require.resolve(name)
    return true
  } catch {
    return false
  }
}
const hasNodeGpu = installed('@tensorflow/tfjs-node-gpu')
const hasNode = installed('@tensorflow/tfjs-node')
const native = hasNodeGpu || hasNode

describe('backend choice', () => {
  it('auto walks tensorflow-gpu, tensorflow, wasm, cpu and says why it stopped where it did', async () => {
    const info = await initBackend('auto')
    expect(activeBackend()).toEqual(info)
    expect(tf.getBackend()).toBe(info.name)
    if (native) {
      expect(info.name).toBe('tensorflow')
    } else {
      expect(info.name).toBe('wasm')
      expect(info.rejected).toEqual([
        { candidate: 'tensorflow-gpu', error: 'not installed' },
        { candidate: 'tensorflow', error: 'not installed' },
      ])
      expect(info.reason).toBe('wasm is the best that started (tensorflow-gpu not installed, tensorflow not installed)')
      expect(info.simd).toBe(true)
      expect(info.threads).toBe(1)
    }
  })

  it('a named preference that is not installed falls back along the order and says so', async () => {
    if (hasNode) return expect((await initBackend('tensorflow')).reason).toBe('tensorflow was requested and started')
    const info = await initBackend('tensorflow')
    expect(info.requested).toBe('tensorflow')
    expect(info.rejected[0]).toEqual({ candidate: 'tensorflow', error: 'not installed' })
    expect(info.name).toBe(hasNodeGpu ? 'tensorflow' : 'wasm')
    expect(info.reason).toMatch(/is the best that started \(tensorflow not installed/)
  })

  it('an explicit cpu or wasm preference is honoured', async () => {
    const cpu = await initBackend('cpu')
    expect(cpu).toMatchObject({ name: 'cpu', requested: 'cpu', reason: 'cpu was requested and started', rejected: [] })
    expect(tf.getBackend()).toBe('cpu')
    const wasm = await initBackend('wasm')
    expect(wasm).toMatchObject({ name: 'wasm', reason: 'wasm was requested and started' })
  })
})
