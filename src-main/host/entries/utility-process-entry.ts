/**
 * The engine host inside an Electron utility process (built to out/main/engine-host.js and forked by the
 * Electron main with `utilityProcess.fork`): messages over `process.parentPort`, out of the UI thread.
 */
import { serveEngineHost } from '../adapters/serve.ts'

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
if (!parentPort) throw new Error('utility-process-entry.ts must run inside an Electron utility process (process.parentPort is missing)')
const port = parentPort
serveEngineHost({ post: (message) => port.postMessage(message), onMessage: (listener) => port.on('message', (event) => listener(event.data)) })
