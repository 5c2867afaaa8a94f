/** Serves the built renderer (out/renderer) read-only, refusing any path that leaves its folder. */
import { createReadStream, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import type { ServerResponse } from 'node:http'

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}

/** The file under `root` a URL path names, or null if there is none (or the path tries to escape). */
export function resolveStaticPath(root: string, pathname: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const file = normalize(join(root, decoded))
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return null
  try {
    return statSync(file).isFile() ? file : null
  } catch {
    return null
  }
}

export function sendFile(response: ServerResponse, file: string, headers: Record<string, string>, headOnly: boolean): void {
  const type = MIME_TYPES[extname(file)] ?? 'application/octet-stream'
  // Hashed asset names never change content; the page itself must always be fetched fresh.
  const cache = file.endsWith('.html') ? 'no-store' : 'public, max-age=31536000, immutable'
  response.writeHead(200, { ...headers, 'Content-Type': type, 'Cache-Control': cache })
  if (headOnly) return void response.end()
  createReadStream(file).pipe(response)
}
