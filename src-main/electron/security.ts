/**
 * Electron hardening, after Electron's security checklist (electronjs.org/docs/latest/tutorial/security):
 * isolated, sandboxed renderer without Node; no navigation away from the app; no new windows (links open
 * in the system browser, http(s) only); no permission grants; no <webview>; IPC answered only for the
 * app's own page. The URL checks are pure functions so they are unit-tested without Electron.
 */
import { shell, type Session, type WebContents } from 'electron'

/** Only web links leave the app, and only to the system browser (never file:, javascript:, custom schemes). */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === ''
  } catch {
    return false
  }
}

/** Is `url` the studio's own page? `appUrl` is the loaded renderer (file:// index.html or the dev server). */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const parsed = new URL(url)
    const app = new URL(appUrl)
    if (app.protocol === 'file:') return parsed.protocol === 'file:' && parsed.pathname === app.pathname
    return parsed.origin === app.origin
  } catch {
    return false
  }
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
}

export function hardenWebContents(contents: WebContents, appUrl: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
}
