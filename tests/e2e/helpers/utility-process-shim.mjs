// Stands in for Electron's utility process around the BUILT engine host (out/main/engine-host.js): Electron
// gives the child `process.parentPort`; here it is made from Node's IPC channel, so the same bundle the
// Electron app forks can be exercised where no Electron binary exists. Like Electron's parentPort, it
// queues messages until a 'message' handler is registered (the host registers one after loading tfjs).
import { pathToFileURL } from 'node:url'

const listeners = []
const queued = []
process.parentPort = {
  on(event, listener) {
    if (event !== 'message') return
    listeners.push(listener)
    queued.splice(0).forEach((data) => listener({ data }))
  },
  postMessage: (message) => process.send(message),
}
process.on('message', (data) => (listeners.length ? listeners.forEach((listener) => listener({ data })) : queued.push(data)))
await import(pathToFileURL(process.argv[2]).href)
