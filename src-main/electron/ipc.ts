/**
 * The Electron main's IPC surface: one `ipcMain.handle` channel per contract method (`tagi:<method>`), all
 * answered by the studio service, and one event channel pushed to the app's windows. Requests from any
 * frame that is not the app's own page are refused.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron'
import { IPC_PREFIX, METHOD_NAMES, StudioError, errorResponse, type Response } from '../contract/index.ts'
import type { StudioService } from '../host/studio-service.ts'

export function registerIpcHandlers(service: StudioService, isTrustedSender: (frameUrl: string) => boolean): () => void {
  let seq = 0
  for (const method of METHOD_NAMES) {
    ipcMain.handle(`${IPC_PREFIX}${method}`, async (event: IpcMainInvokeEvent, params: unknown): Promise<Response> => {
      const frameUrl = event.senderFrame?.url ?? ''
      if (!isTrustedSender(frameUrl)) return errorResponse(null, new StudioError('bad-request', `IPC from '${frameUrl}' is refused: not the studio's page`))
      return service.handle({ id: ++seq, method, params })
    })
  }
  return () => METHOD_NAMES.forEach((method) => ipcMain.removeHandler(`${IPC_PREFIX}${method}`))
}
