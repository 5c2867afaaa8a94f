// Worker thread entry of the browser mode's engine host: registers tsx (the engine runs from TypeScript
// source), then serves the host over parentPort (worker-entry.ts).
import { register } from 'tsx/esm/api'

register()
await import('./worker-entry.ts')
