/** The backend `auto` must pick here: native TensorFlow where tfjs-node(-gpu) installed, else wasm. */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

function installed(name: string): boolean {
  try {
    require.resolve(name)
    return true
  } catch {
    return false
  }
}

export const EXPECTED_BACKEND = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node') ? 'tensorflow' : 'wasm'
