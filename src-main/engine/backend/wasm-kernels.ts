/**
 * Kernels that training needs and tfjs-backend-wasm 4.22 lacks (environment.md §3b).
 *
 * UnsortedSegmentSum is what the gradient of `tf.gather` (every embedding lookup) calls. Written in JS
 * over the wasm heap; it equals the cpu backend's result exactly.
 */
import * as tf from '@tensorflow/tfjs'

interface WasmTensorInfo extends tf.TensorInfo {
  shape: number[]
}

interface WasmBackendHeap {
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array
}

let registered = false

export function registerWasmKernels(): void {
  if (registered) return
  registered = true
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as { x: WasmTensorInfo; segmentIds: WasmTensorInfo }
      const { numSegments } = attrs as unknown as { numSegments: number }
      const heap = backend as unknown as WasmBackendHeap
      const rowShape = x.shape.slice(segmentIds.shape.length)
      const rowSize = rowShape.reduce((a, b) => a * b, 1)
      // Allocate the output before taking heap views: allocation can grow (and detach) wasm memory.
      const out = heap.makeOutput([numSegments, ...rowShape], x.dtype)
      const outValues = heap.typedArrayFromHeap(out)
      const xValues = heap.typedArrayFromHeap(x)
      const ids = heap.typedArrayFromHeap(segmentIds)
      outValues.fill(0)
      for (let i = 0; i < ids.length; i++) {
        const segment = ids[i]
        if (segment < 0 || segment >= numSegments) continue
        const from = i * rowSize
        const to = segment * rowSize
        for (let j = 0; j < rowSize; j++) outValues[to + j] += xValues[from + j]
      }
      return out
    },
  })
}
