/**
 * worker_threads adapter (browser mode): the engine host runs in its own thread, so a training step never
 * blocks the HTTP/WebSocket server. The worker starts from a tiny .mjs bootstrap that registers tsx, as the
 * engine runs from TypeScript source.
 */
import { Worker } from 'node:worker_threads'
import type { HostOutbound } from '../messages.ts'
import type { HostChannel } from '../supervisor.ts'

const BOOTSTRAP = new URL('../entries/worker-bootstrap.mjs', import.meta.url)

export function spawnWorkerHost(): HostChannel {
  const worker = new Worker(BOOTSTRAP)
  let lastError = ''
  worker.on('error', (error) => (lastError = error.message.split('\n')[0]))
  return {
    send: (message) => worker.postMessage(message),
    onMessage: (listener) => void worker.on('message', (message: HostOutbound) => listener(message)),
    onExit: (listener) => void worker.on('exit', (code) => listener(`exited with code ${code}${lastError ? `: ${lastError}` : ''}`)),
    kill: () => void worker.terminate(),
  }
}
