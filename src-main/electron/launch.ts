/**
 * Can the Electron app start here? Plain Node (no `electron` import at runtime beyond the package's own
 * path lookup): `tagi studio` asks this before choosing between the app and the browser mode.
 * `require('electron')` returns the binary's path, but downloads the binary first if it is missing
 * (Electron ≥42). Pointing ELECTRON_OVERRIDE_DIST_PATH at the package's own dist/ folder makes it return the
 * same path without any download (environment.md §1); we then check that the file exists.
 */
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type Availability = { ok: true; path: string } | { ok: false; reason: string }

export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): Availability {
  const require = createRequire(import.meta.url)
  let packageDir: string
  try {
    packageDir = dirname(require.resolve('electron/package.json'))
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run npm install)' }
  }
  const previous = process.env.ELECTRON_OVERRIDE_DIST_PATH
  process.env.ELECTRON_OVERRIDE_DIST_PATH = env.ELECTRON_OVERRIDE_DIST_PATH || join(packageDir, 'dist')
  let binary: unknown
  try {
    binary = require('electron')
  } catch (error) {
    return { ok: false, reason: `require('electron') failed: ${error instanceof Error ? error.message : String(error)}` }
  } finally {
    if (previous === undefined) delete process.env.ELECTRON_OVERRIDE_DIST_PATH
    else process.env.ELECTRON_OVERRIDE_DIST_PATH = previous
  }
  if (typeof binary !== 'string') return { ok: false, reason: `require('electron') returned ${typeof binary}, not a path` }
  if (!existsSync(binary)) {
    return { ok: false, reason: `the Electron binary is not installed (${binary} does not exist; \`npx install-electron\` downloads it where the network allows)` }
  }
  return { ok: true, path: binary }
}

/** Linux and the BSDs need an X11 or Wayland display for a window; macOS and Windows always have one. */
export function findDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Availability {
  if (platform === 'darwin' || platform === 'win32') return { ok: true, path: platform }
  if (env.WAYLAND_DISPLAY) return { ok: true, path: `wayland:${env.WAYLAND_DISPLAY}` }
  if (env.DISPLAY) return { ok: true, path: `x11:${env.DISPLAY}` }
  return { ok: false, reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' }
}

/** The repository root (Electron's app folder: package.json `main` points at out/main/index.js). */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url))
export const BUILT_MAIN = join(APP_DIR, 'out', 'main', 'index.js')

/** Why the Electron app cannot start here, or null when it can. */
export function electronUnavailableReason(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const binary = findElectronBinary(env)
  if (!binary.ok) return binary.reason
  const display = findDisplay(env, platform)
  if (!display.ok) return display.reason
  if (!existsSync(BUILT_MAIN)) return `the app is not built (${BUILT_MAIN} is missing): run \`npm run build\``
  return null
}
