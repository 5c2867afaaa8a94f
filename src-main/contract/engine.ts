/**
 * What the engine host reports about itself (the studio's status panel and `tagi info`), and the host's
 * life-cycle status that the faces stream while they (re)start it. Types only: no Node imports.
 */
import type { BackendPreferenceSetting, WorkspaceSource } from './settings.ts'

export interface EngineInfo {
  backend: {
    /** tfjs backend name in use: 'tensorflow', 'wasm' or 'cpu'. */
    name: string
    label: string
    requested: BackendPreferenceSetting
    /** One sentence: why this backend is the one in use. */
    reason: string
    rejected: { candidate: string; error: string }[]
    threads: number
    simd: boolean | null
  }
  tfjsVersion: string
  memory: { rssBytes: number; heapUsedBytes: number; tensors: number; tensorBytes: number }
  workspace: { dir: string; source: WorkspaceSource }
  host: {
    /** 'in-process', 'worker' (browser mode) or 'utility-process' (Electron). */
    transport: string
    pid: number
    nodeVersion: string
    /** How long the host has been running, in seconds. */
    uptimeSeconds: number
  }
  /** The host's life-cycle status, added by the face that supervises it (absent when called in-process). */
  status?: EngineStatus
}

/** The engine host as its supervisor sees it. */
export type EngineState = 'starting' | 'ready' | 'restarting' | 'crashed' | 'stopped'

export interface EngineStatus {
  state: EngineState
  /** Why it is in this state (e.g. "the engine host exited with code 1; restarting"). */
  message: string
  /** How many times the host has been restarted in this session. */
  restarts: number
}
