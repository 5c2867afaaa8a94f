/**
 * Where the time of one call goes, from `tf.profile`: wall time, time inside matMul kernels, inside every
 * other kernel, and the rest (JavaScript around the kernels: op dispatch, the gradient tape, tensor
 * bookkeeping, batch building). This is the evidence behind a "why" in the targets report.
 */
import { tf } from '../src-main/engine/backend/index.ts'
import { MiB, round } from './common.ts'

export interface KernelBreakdown {
  wallMs: number
  /** Kernels whose name contains "MatMul" (tfjs BatchMatMul/_FusedMatMul and the engine's strided kernel). */
  matMulMs: number
  /** FLOPs those kernels did, from their shapes (see `matMulKernelFlops`). */
  matMulFlops: number
  otherKernelMs: number
  /** Wall time outside every kernel. */
  outsideKernelsMs: number
  kernelLaunches: number
  /** Highest tf.memory().numBytes during the call, MiB. */
  peakTensorMiB: number
  /** The five most expensive non-matMul kernels: name → ms. */
  topOtherKernels: Record<string, number>
}

/**
 * tf.customGrad ops (the engine's matMuls) appear in the profile as entries named after their scope
 * ('', 'forward', 'unnamed scope'…) wrapping kernels that are recorded on their own as well: only names
 * registered as kernels of the active backend are counted, or that time would count twice.
 */
export const isKernel = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined

/**
 * FLOPs of one matMul kernel from its profile shapes: A (…, m, k) → C (…, m, n) is 2·|A|·n, whatever
 * the transpose flags (|A| = batch·m·k either way; the strided kernel reads contiguous operands).
 */
export function matMulKernelFlops(aShape: number[], outShape: number[]): number {
  return 2 * aShape.reduce((x, y) => x * y, 1) * outShape[outShape.length - 1]!
}

export async function profileCall(fn: () => void | Promise<void>): Promise<KernelBreakdown> {
  const started = performance.now()
  const info = await tf.profile(async () => {
    await fn()
  })
  const wallMs = performance.now() - started
  let matMulMs = 0
  let matMulFlops = 0
  let otherKernelMs = 0
  const others = new Map<string, number>()
  for (const kernel of info.kernels) {
    if (!isKernel(kernel.name)) continue
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0
    if (kernel.name.includes('MatMul')) {
      matMulMs += ms
      matMulFlops += matMulKernelFlops(kernel.inputShapes[0]!, kernel.outputShapes[0]!)
    } else {
      otherKernelMs += ms
      others.set(kernel.name, (others.get(kernel.name) ?? 0) + ms)
    }
  }
  const top = [...others].sort((a, b) => b[1] - a[1]).slice(0, 5)
  return {
    wallMs: round(wallMs, 1),
    matMulMs: round(matMulMs, 1),
    matMulFlops,
    otherKernelMs: round(otherKernelMs, 1),
    outsideKernelsMs: round(wallMs - matMulMs - otherKernelMs, 1),
    kernelLaunches: info.kernels.filter((k) => isKernel(k.name)).length,
    peakTensorMiB: round(info.peakBytes / MiB, 1),
    topOtherKernels: Object.fromEntries(top.map(([name, ms]) => [name, round(ms, 1)])),
  }
}

/**
 * Shares of the wall time, as the targets report words them. Profiling adds JavaScript around every
 * kernel, so a profiled call is slower than a plain one (`plainMs`, when known) and the outside-kernel
 * share is an upper bound.
 */
export function describeBreakdown(b: KernelBreakdown, plainMs?: number): string {
  const pct = (ms: number) => `${Math.round((100 * ms) / b.wallMs)}%`
  const top = Object.entries(b.topOtherKernels)
    .slice(0, 3)
    .map(([name, ms]) => `${name} ${ms} ms`)
    .join(', ')
  return (
    `of a profiled ${b.wallMs} ms step${plainMs === undefined ? '' : ` (${plainMs} ms unprofiled: profiling adds JavaScript per kernel)`}, matMul kernels take ${b.matMulMs} ms (${pct(b.matMulMs)}), other kernels ${b.otherKernelMs} ms ` +
    `(${pct(b.otherKernelMs)}; largest: ${top}) and JavaScript outside the kernels ${b.outsideKernelsMs} ms (${pct(b.outsideKernelsMs)}) ` +
    `over ${b.kernelLaunches} kernel launches`
  )
}
