/** safetensors read/write and the model loader's errors. */
import { beforeAll, describe, expect, it } from 'vitest'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initBackend } from '../../../src-main/engine/backend/index.ts'
import { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors } from '../../../src-main/engine/formats/safetensors.ts'
import { T5Model, t5ConfigFromHf, countT5Parameters, t5Preset, presetParameterCount } from '../../../src-main/engine/models/t5/index.ts'
import { FIXTURES } from './helpers.ts'

beforeAll(async () => {
  await initBackend()
})

/** A hand-built file with one tensor of each float dtype. */
function handBuilt(): Uint8Array {
  const f16 = [0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00] // 1, -2, ~0.33325, smallest subnormal, +inf
  const bf16 = [0x3f80, 0xc040, 0x4049] // 1, -3, ~3.140625
  const f32 = new Float32Array([1.5, -0.25])
  const header = JSON.stringify({
    a: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
    b: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] },
    c: { dtype: 'F32', shape: [2, 1], data_offsets: [16, 24] },
  })
  const out = new Uint8Array(8 + header.length + 24)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(header.length), true)
  out.set(Buffer.from(header), 8)
  const base = 8 + header.length
  f16.forEach((h, i) => view.setUint16(base + i * 2, h, true))
  bf16.forEach((h, i) => view.setUint16(base + 10 + i * 2, h, true))
  f32.forEach((x, i) => view.setFloat32(base + 16 + i * 4, x, true))
  return out
}

describe('safetensors', () => {
  it('decodes F16, BF16 and F32', () => {
    const file = parseSafetensors(handBuilt())
    expect(Array.from(file.tensors.get('a')!.data)).toEqual([1, -2, Math.fround(0.333251953125), 2 ** -24, Infinity])
    expect(Array.from(file.tensors.get('b')!.data)).toEqual([1, -3, 3.140625])
    expect(file.tensors.get('c')!.shape).toEqual([2, 1])
    expect(Array.from(file.tensors.get('c')!.data)).toEqual([1.5, -0.25])
  })

  it('writes F32 that reads back exactly, header 8-byte aligned', () => {
    const data = new Float32Array([0.1, -2e-30, 3e30, Math.PI, 0, -0])
    const bytes = serializeSafetensors(new Map([['x.weight', { shape: [2, 3], data }]]), { format: 'pt' })
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true))
    expect(headerLength % 8).toBe(0)
    const back = parseSafetensors(bytes)
    expect(back.metadata).toEqual({ format: 'pt' })
    expect(Array.from(back.tensors.get('x.weight')!.data)).toEqual(Array.from(data))
  })

  it('reads the fixture files', () => {
    const file = readSafetensors(join(FIXTURES, 'tiny-v1_0', 'model.safetensors'))
    expect(file.tensors.get('shared.weight')!.shape).toEqual([98, 32])
  })
})

describe('model loading errors', () => {
  function copyFixture(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tagi-st-'))
    cpSync(join(FIXTURES, 'tiny-v1_0'), dir, { recursive: true })
    return dir
  }

  it('unknown feed_forward_proj names the value', () => {
    expect(() => t5ConfigFromHf({ model_type: 't5', feed_forward_proj: 'gated-swish' })).toThrow(/unsupported feed_forward_proj "gated-swish"/)
  })

  it('a missing tensor names the key and the expected shape', async () => {
    const dir = copyFixture()
    try {
      const file = readSafetensors(join(dir, 'model.safetensors'))
      file.tensors.delete('decoder.block.1.layer.1.EncDecAttention.k.weight')
      writeSafetensors(join(dir, 'model.safetensors'), file.tensors as never)
      await expect(T5Model.load(dir)).rejects.toThrow(/tensor 'decoder.block.1.layer.1.EncDecAttention.k.weight' is missing \(expected shape \[32, 32\]\)/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a misshapen tensor names the key, the expected and the found shape', async () => {
    const dir = copyFixture()
    try {
      const file = readSafetensors(join(dir, 'model.safetensors'))
      file.tensors.set('encoder.block.0.layer.1.DenseReluDense.wi.weight', { shape: [40, 32], data: new Float32Array(40 * 32), dtype: 'F32' })
      writeSafetensors(join(dir, 'model.safetensors'), file.tensors as never)
      await expect(T5Model.load(dir)).rejects.toThrow(/'encoder.block.0.layer.1.DenseReluDense.wi.weight' has shape \[40, 32\], expected \[48, 32\]/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a config that does not match the weights is refused', async () => {
    const dir = copyFixture()
    try {
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, feed_forward_proj: 'gated-gelu' }))
      await expect(T5Model.load(dir)).rejects.toThrow(/wi_0.weight' is missing/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('presets', () => {
  it('count parameters and keep dKv·heads = dModel', () => {
    for (const name of ['tiny', 'small'] as const) {
      const c = t5Preset(name)
      expect(c.dKv * c.numHeads).toBe(c.dModel)
      expect(presetParameterCount(name)).toBe(countT5Parameters(c))
    }
    expect(presetParameterCount('tiny')).toBeLessThan(1_000_000)
    const small = presetParameterCount('small')
    expect(small).toBeGreaterThan(2_000_000)
    expect(small).toBeLessThan(10_000_000)
    const m = T5Model.init(t5Preset('tiny', 300), 1)
    let total = 0
    for (const v of m.weights().values()) total += v.size
    expect(total).toBe(countT5Parameters(t5Preset('tiny', 300)))
    m.dispose()
  })
})
