/**
 * safetensors (https://github.com/huggingface/safetensors), read and write. No npm package exists.
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }`, then
 * the data block; offsets are relative to the data block's start. Reading decodes F32, F16 and BF16 to
 * float32 (plus F64 and the integer types for completeness); writing emits F32 only.
 */
import { readFileSync } from 'node:fs'
import { writeFileAtomic } from '../store/atomic.ts'

export interface SafeTensor {
  shape: number[]
  /** Float types decode to Float32Array; integer types to Int32Array (I64 is narrowed, checked). */
  data: Float32Array | Int32Array
  /** The dtype stored in the file. */
  dtype: string
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>
  metadata: Record<string, string>
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 }

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 0x1f) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

function decode(dtype: string, bytes: Uint8Array, count: number, name: string): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true)
      return out
    }
    case 'F64': {
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true)
      return out
    }
    case 'F16': {
      const out = new Float32Array(count)
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true))
      return out
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(count)
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16
      return new Float32Array(bits.buffer)
    }
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U8':
    case 'BOOL': {
      const out = new Int32Array(count)
      for (let i = 0; i < count; i++) {
        out[i] =
          dtype === 'I32' ? view.getInt32(i * 4, true) : dtype === 'I16' ? view.getInt16(i * 2, true) : dtype === 'I8' ? view.getInt8(i) : view.getUint8(i)
      }
      return out
    }
    case 'I64': {
      const out = new Int32Array(count)
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true)
        if (v > 2147483647n || v < -2147483648n) throw new Error(`safetensors: tensor '${name}': I64 value ${v} does not fit in int32`)
        out[i] = Number(v)
      }
      return out
    }
    default:
      throw new Error(`safetensors: tensor '${name}' has unsupported dtype '${dtype}'`)
  }
}

/** Parse a safetensors byte buffer. */
export function parseSafetensors(buffer: Uint8Array, source = 'buffer'): SafetensorsFile {
  if (buffer.byteLength < 8) throw new Error(`safetensors: ${source} is too short (${buffer.byteLength} bytes)`)
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  const headerLength = Number(view.getBigUint64(0, true))
  if (headerLength > buffer.byteLength - 8) throw new Error(`safetensors: ${source}: header length ${headerLength} exceeds the file`)
  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(buffer.subarray(8, 8 + headerLength))) as Record<string, unknown>
  } catch (error) {
    throw new Error(`safetensors: ${source}: header is not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  const dataStart = 8 + headerLength
  const tensors = new Map<string, SafeTensor>()
  let metadata: Record<string, string> = {}
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>
      continue
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] }
    const width = BYTES[dtype]
    if (width === undefined) throw new Error(`safetensors: ${source}: tensor '${name}' has unsupported dtype '${dtype}'`)
    const count = shape.reduce((a, b) => a * b, 1)
    const [begin, end] = offsets
    if (end - begin !== count * width || dataStart + end > buffer.byteLength) {
      throw new Error(`safetensors: ${source}: tensor '${name}' (${dtype} [${shape}]) has bad data offsets [${begin}, ${end}]`)
    }
    tensors.set(name, { shape: [...shape], dtype, data: decode(dtype, buffer.subarray(dataStart + begin, dataStart + end), count, name) })
  }
  return { tensors, metadata }
}

export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readFileSync(path), path)
}

/** Serialise float32 tensors (keys sorted, header padded with spaces to 8 bytes as the reference does). */
export function serializeSafetensors(
  tensors: Map<string, { shape: number[]; data: Float32Array | ArrayLike<number> }>,
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  const names = [...tensors.keys()].sort()
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata
  let offset = 0
  for (const name of names) {
    const t = tensors.get(name)!
    const count = t.shape.reduce((a, b) => a * b, 1)
    if (t.data.length !== count) throw new Error(`safetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape}]`)
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + count * 4] }
    offset += count * 4
  }
  let json = JSON.stringify(header)
  const pad = (8 - (Buffer.byteLength(json, 'utf8') % 8)) % 8
  json += ' '.repeat(pad)
  const headerBytes = Buffer.from(json, 'utf8')
  const out = new Uint8Array(8 + headerBytes.length + offset)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(headerBytes.length), true)
  out.set(headerBytes, 8)
  let at = 8 + headerBytes.length
  for (const name of names) {
    const data = tensors.get(name)!.data
    for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i], true)
  }
  return out
}

export function writeSafetensors(
  path: string,
  tensors: Map<string, { shape: number[]; data: Float32Array | ArrayLike<number> }>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata))
}
