/**
 * Electron adapter for the engine host: an Electron utility process (a Node child process managed by
 * Electron, out of the UI thread) running the built `out/main/engine-host.js`.
 */
import { utilityProcess } from 'electron'
import { join } from 'node:path'
import type { HostInbound, HostOutbound } from '../host/messages.ts'
import type { HostChannel } from '../host/supervisor.ts'

/** Built next to the main bundle by electron.vite.config.ts (entry `engine-host`). */
const HOST_ENTRY = join(import.meta.dirname, 'engine-host.js')

export function spawnUtilityHost(): HostChannel {
  const child = utilityProcess.fork(HOST_ENTRY, [], { serviceName: 'TAGI engine host', stdio: 'inherit' })
  // Messages wait until the process has spawned.
  let spawned = false
  const outbox: HostInbound[] = []
  child.once('spawn', () => {
    spawned = true
    outbox.splice(0).forEach((message) => child.postMessage(message))
  })
  return {
    send: (message) => (spawned ? child.postMessage(message) : void outbox.push(message)),
    onMessage: (listener) => void child.on('message', (message: HostOutbound) => listener(message)),
    onExit: (listener) => void child.once('exit', (code) => listener(`exited with code ${code}`)),
    kill: () => void child.kill(),
  }
}
