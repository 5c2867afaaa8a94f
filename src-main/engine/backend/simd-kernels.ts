/**
 * The engine's own SIMD kernels on the tfjs-wasm heap (WAT source and rationale in simd-kernels.wat.ts).
 *
 * The text is compiled once per process by wabt (before the backend starts, because compiling is async);
 * the module is instantiated on first use against tfjs's own `WebAssembly.Memory`, so kernels read their
 * inputs and write their outputs in place, with no copies. Registered as the tfjs kernel
 * 'TagiStridedMatMul' for the wasm backend only: callers check `hasStridedMatMul()` and otherwise use
 * plain tfjs ops.
 */
import * as tf from '@tensorflow/tfjs'
import wabtFactory from 'wabt'
import { SIMD_KERNELS_WAT } from './simd-kernels.wat.ts'

export const STRIDED_MATMUL = 'TagiStridedMatMul'

/**
 * One strided matMul over a (batch, heads) grid: C[x, y, i, j] = Σ_p A[x, y, i, p] · B[x, y, p, j].
 * Strides are in elements of each tensor's flat storage, in the order (x, y, row, column).
 */
export interface StridedMatMulSpec {
  /** Shape of the output tensor (its size must cover every written element). */
  outShape: number[]
  /** (batch, heads) grid of independent 2-D problems. */
  grid: [number, number]
  m: number
  n: number
  k: number
  /** A: (x, y, i, p) */
  aStrides: [number, number, number, number]
  /** B: (x, y, p, j) */
  bStrides: [number, number, number, number]
  /** C: (x, y, i, j) */
  cStrides: [number, number, number, number]
}

interface WasmBackendInternals {
  /** `memory` is the module's WebAssembly.Memory (typed loosely: this tsconfig has no WebAssembly lib types). */
  wasm: { asm: { memory: object } }
  dataIdMap: { get(dataId: object): { memoryOffset: number } }
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
}

type MmExport = (...args: number[]) => void

/** The WebAssembly JS API, typed locally: this project's tsconfig has no WebAssembly lib types. */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: object }
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly

let compiled: object | null = null
let instance: { memory: object; mm: MmExport } | null = null

let unavailableReason: string | null = null

/**
 * Compile the WAT once (async: wabt loads its own wasm). Never throws: without the kernels every op
 * falls back to plain tfjs (slower, same results), and `simdKernelsUnavailable()` says why.
 */
export async function compileSimdKernels(): Promise<void> {
  if (compiled) return
  try {
    const wabt = await wabtFactory()
    const parsed = wabt.parseWat('simd-kernels.wat', SIMD_KERNELS_WAT, { simd: true })
    try {
      parsed.validate()
      compiled = new wasmApi.Module(parsed.toBinary({}).buffer)
      unavailableReason = null
    } finally {
      parsed.destroy()
    }
  } catch (error) {
    unavailableReason = `the engine's SIMD kernels could not be compiled: ${error instanceof Error ? error.message : String(error)}`
  }
}

/** Why the strided SIMD kernels are off (null when they compiled). */
export function simdKernelsUnavailable(): string | null {
  return unavailableReason
}

function kernels(backend: WasmBackendInternals): MmExport {
  const memory = backend.wasm.asm.memory
  if (!instance || instance.memory !== memory) {
    if (!compiled) throw new Error('SIMD kernels are not compiled: compileSimdKernels() must run before the wasm backend is used')
    const exports = new wasmApi.Instance(compiled, { env: { memory } }).exports as unknown as { mm: MmExport }
    instance = { memory, mm: exports.mm }
  }
  return instance.mm
}

/** Largest flat index a strided view reaches, so a wrong stride is an error, not a heap overwrite. */
function lastIndex(dims: number[], strides: number[]): number {
  return dims.reduce((sum, d, i) => sum + (d - 1) * strides[i], 0)
}

function checkView(name: string, info: tf.TensorInfo, dims: number[], strides: number[]): void {
  const size = info.shape.reduce((a, b) => a * b, 1)
  if (info.dtype !== 'float32') throw new Error(`${STRIDED_MATMUL}: ${name} must be float32, found ${info.dtype}`)
  if (dims.some((d) => d === 0)) return
  const last = lastIndex(dims, strides)
  if (last >= size || strides.some((s) => s < 0)) {
    throw new Error(`${STRIDED_MATMUL}: ${name} view dims [${dims}] strides [${strides}] reach index ${last}, but the tensor [${info.shape}] has ${size} elements`)
  }
}

/** Tile sizes: a K_TILE × N_TILE block of B is 16 KiB, half of the L1 data cache. */
const K_TILE = 256
const N_TILE = 128

/**
 * Call the kernel tile by tile over (k, n) when B is larger than a tile, so each B tile is reused from
 * L1 by every row of A; k-tiles after the first accumulate into C. Byte offsets and strides.
 */
function runTiled(mm: MmExport, a: number, b: number, c: number, spec: StridedMatMulSpec): void {
  const { grid, m, n, k } = spec
  const [aB, aH, aI, aP] = spec.aStrides.map((v) => v * 4)
  const [bB, bH, bP, bJ] = spec.bStrides.map((v) => v * 4)
  const [cB, cH, cI, cJ] = spec.cStrides.map((v) => v * 4)
  const kTile = k * n > K_TILE * N_TILE ? K_TILE : Math.max(k, 1)
  const nTile = k * n > K_TILE * N_TILE ? N_TILE : Math.max(n, 1)
  for (let j0 = 0; j0 < n; j0 += nTile) {
    const nj = Math.min(nTile, n - j0)
    if (k === 0) mm(a, b, c + j0 * cJ, grid[0], grid[1], m, nj, 0, aB, aH, aI, aP, bB, bH, bP, bJ, cB, cH, cI, cJ, 0)
    for (let p0 = 0; p0 < k; p0 += kTile) {
      const kp = Math.min(kTile, k - p0)
      mm(a + p0 * aP, b + p0 * bP + j0 * bJ, c + j0 * cJ, grid[0], grid[1], m, nj, kp, aB, aH, aI, aP, bB, bH, bP, bJ, cB, cH, cI, cJ, p0 > 0 ? 1 : 0)
    }
  }
}

let registered = false

export function registerSimdKernels(): void {
  if (registered) return
  registered = true
  tf.registerKernel({
    kernelName: STRIDED_MATMUL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
      const spec = attrs as unknown as StridedMatMulSpec
      const { grid, m, n, k } = spec
      checkView('A', a, [...grid, m, k], spec.aStrides)
      checkView('B', b, [...grid, k, n], spec.bStrides)
      const wasm = backend as unknown as WasmBackendInternals
      const out = wasm.makeOutput(spec.outShape, 'float32')
      checkView('C', out, [...grid, m, n], spec.cStrides)
      runTiled(kernels(wasm), wasm.dataIdMap.get(a.dataId).memoryOffset, wasm.dataIdMap.get(b.dataId).memoryOffset, wasm.dataIdMap.get(out.dataId).memoryOffset, spec)
      return out
    },
  })
}

/** True when the strided kernel can run: wasm backend active and the kernels compiled. */
export function hasStridedMatMul(): boolean {
  return compiled !== null && tf.getBackend() === 'wasm'
}

/** Run the strided matMul (wasm only; no gradient of its own: callers wrap it in `tf.customGrad`). */
export function stridedMatMul(a: tf.Tensor, b: tf.Tensor, spec: StridedMatMulSpec): tf.Tensor {
  return tf.engine().runKernel(STRIDED_MATMUL, { a, b }, spec as unknown as tf.NamedAttrMap) as tf.Tensor
}
