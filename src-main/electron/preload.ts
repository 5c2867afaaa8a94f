/**
 * The preload (sandboxed, so CommonJS and no Node modules): exposes `window.tagi`, the contract's
 * `StudioApi`, one narrow function per capability over its own IPC channel (Electron's context-isolation
 * guide); never the raw ipcRenderer. Errors come back as `{ok: false}` responses and are thrown here.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IPC_EVENT_CHANNEL, IPC_PREFIX, createStudioApi, type CallMethod } from '../contract/api.ts'
import type { Response, StudioEvent } from '../contract/protocol.ts'

const call: CallMethod = async (method, params) => {
  const response = (await ipcRenderer.invoke(`${IPC_PREFIX}${method}`, params)) as Response
  if (!response.ok) throw new Error(response.error.message)
  return response.result as never
}

const api = createStudioApi(call, (listener) => {
  const forward = (_event: IpcRendererEvent, event: StudioEvent) => listener(event)
  ipcRenderer.on(IPC_EVENT_CHANNEL, forward)
  return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward)
})

contextBridge.exposeInMainWorld('tagi', api)
