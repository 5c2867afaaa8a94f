/** The engine host inside a worker_threads Worker (browser mode): messages over `parentPort`. */
import { parentPort } from 'node:worker_threads'
import { serveEngineHost } from '../adapters/serve.ts'

if (!parentPort) throw new Error('worker-entry.ts must run inside a worker thread')
const port = parentPort
serveEngineHost({ post: (message) => port.postMessage(message), onMessage: (listener) => void port.on('message', listener) })
