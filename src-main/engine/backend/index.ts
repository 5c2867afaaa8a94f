/**
 * The compute backend: the one module through which the engine reaches TensorFlow.js.
 *
 * Preference order (decisions.md §3): tfjs-node-gpu, then tfjs-node (both native TensorFlow, optional
 * dependencies that cannot install on every machine), then wasm (SIMD, one thread in Node), then the
 * pure-JS cpu backend. The chooser records why it ended where it did, so the studio and the CLI can say it.
 */
// The full tfjs package, not tfjs-core: tfjs-core's Node bundle registers no gradients, and its ESM
// build cannot be loaded by Node directly. tfjs-node(-gpu) also registers into this same instance.
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { availableParallelism } from 'node:os'
import { compileSimdKernels, registerSimdKernels, simdKernelsUnavailable } from './simd-kernels.ts'
import { registerWasmKernels } from './wasm-kernels.ts'

export { tf }

export const BACKEND_PREFERENCES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number]

/** What the chooser got, and why. */
export interface BackendInfo {
  /** tfjs backend name in use: 'tensorflow', 'wasm' or 'cpu'. */
  name: string
  /** A human label, e.g. "wasm (SIMD, 1 thread)". */
  label: string
  requested: BackendPreference
  /** One sentence: why this backend is the one in use. */
  reason: string
  /** Every candidate tried before it, with the error that ruled it out. */
  rejected: { candidate: string; error: string }[]
  tfjsVersion: string
  /** Compute threads the backend uses for one op. */
  threads: number
  simd: boolean | null
}

interface Candidate {
  id: Exclude<BackendPreference, 'auto'>
  /** tfjs backend name once loaded. */
  backend: string
  load: () => Promise<void>
}

// The native packages are optional dependencies; their names are held in variables so that bundlers
// and type-checkers do not try to resolve them where they are not installed.
const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu'
const TFJS_NODE = '@tensorflow/tfjs-node'

const CANDIDATES: Candidate[] = [
  { id: 'tensorflow-gpu', backend: 'tensorflow', load: async () => void (await import(/* @vite-ignore */ TFJS_NODE_GPU)) },
  { id: 'tensorflow', backend: 'tensorflow', load: async () => void (await import(/* @vite-ignore */ TFJS_NODE)) },
  {
    id: 'wasm',
    backend: 'wasm',
    load: async () => {
      registerWasmKernels()
      await compileSimdKernels()
      registerSimdKernels()
    },
  },
  { id: 'cpu', backend: 'cpu', load: async () => {} },
]

let active: BackendInfo | null = null

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  if (/Cannot find (module|package)/.test(message)) return 'not installed'
  return message.split('\n')[0]
}

/**
 * Select the compute backend. `auto` walks the preference order; a named preference tries that one
 * first and falls back along the same order, saying so in `reason`.
 */
export async function initBackend(requested: BackendPreference = 'auto'): Promise<BackendInfo> {
  const order =
    requested === 'auto' ? CANDIDATES : [...CANDIDATES.filter((c) => c.id === requested), ...CANDIDATES.filter((c) => c.id !== requested)]
  const rejected: BackendInfo['rejected'] = []
  for (const candidate of order) {
    try {
      await candidate.load()
      if (!(await tf.setBackend(candidate.backend))) throw new Error(`tf.setBackend('${candidate.backend}') returned false`)
      await tf.ready()
      // tfjs can silently fall back to another backend during initialisation: check what we really got.
      if (tf.getBackend() !== candidate.backend) throw new Error(`initialisation fell back to '${tf.getBackend()}'`)
      active = describe(candidate, requested, rejected)
      return active
    } catch (error) {
      rejected.push({ candidate: candidate.id, error: describeError(error) })
    }
  }
  throw new Error(`no compute backend could start: ${rejected.map((r) => `${r.candidate}: ${r.error}`).join('; ')}`)
}

function describe(candidate: Candidate, requested: BackendPreference, rejected: BackendInfo['rejected']): BackendInfo {
  const simd = candidate.backend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : null
  // tfjs-wasm disables its thread pool whenever it runs in Node (tfjs issue #3830); native TensorFlow
  // uses every core for one op; the cpu backend is single-threaded JavaScript.
  const threads = candidate.backend === 'tensorflow' ? availableParallelism() : 1
  const label =
    candidate.backend === 'wasm'
      ? `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread)`
      : candidate.id === 'tensorflow-gpu'
        ? 'TensorFlow native (GPU build)'
        : candidate.id === 'tensorflow'
          ? `TensorFlow native (CPU, ${threads} threads)`
          : 'cpu (pure JavaScript, slow)'
  const skipped = rejected.map((r) => `${r.candidate} ${r.error}`).join(', ')
  const kernelsOff = candidate.backend === 'wasm' ? simdKernelsUnavailable() : null
  const chosen =
    requested !== 'auto' && candidate.id === requested
      ? `${candidate.id} was requested and started`
      : rejected.length === 0
        ? `${candidate.id} is the first choice and started`
        : `${candidate.id} is the best that started (${skipped})`
  const reason = kernelsOff ? `${chosen}; ${kernelsOff} (plain tfjs ops are used instead)` : chosen
  return { name: candidate.backend, label, requested, reason, rejected, tfjsVersion: tf.version_core, threads, simd }
}

/** The backend chosen by `initBackend`; throws if it has not run, so no code silently computes on a default. */
export function activeBackend(): BackendInfo {
  if (!active) throw new Error('the compute backend is not initialised: call initBackend() first')
  return active
}

/** Process and tensor memory, for status panels and benchmarks. */
export function memoryInfo(): { rssBytes: number; heapUsedBytes: number; tensors: number; tensorBytes: number } {
  const usage = process.memoryUsage()
  const tensors = tf.memory()
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, tensors: tensors.numTensors, tensorBytes: tensors.numBytes }
}
