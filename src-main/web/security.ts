/**
 * The browser mode's guards. The studio listens on 127.0.0.1, but any web page the user visits can send
 * requests there, so: a random per-session token (in the printed URL) for the page, the HTTP API and the
 * WebSocket; the Origin of cross-site requests refused; the Host header checked (DNS rebinding); and
 * security headers on every response (OWASP HTTP headers cheat sheet).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The page's Content-Security-Policy. The same string is in src-renderer/index.html (a test keeps them equal). */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"

/** Over HTTP the header can also forbid framing (a meta tag cannot). */
export const HTTP_CSP = `${PAGE_CSP}; frame-ancestors 'none'`

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': HTTP_CSP,
  'X-Content-Type-Options': 'nosniff',
  // The token is in the page URL: never send it to another site as a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

export function newSessionToken(): string {
  return randomBytes(24).toString('base64url')
}

/** The token a request carries: `?token=` or `Authorization: Bearer …`. */
export function tokenOf(request: IncomingMessage, url: URL): string | null {
  const header = request.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim()
  return url.searchParams.get('token')
}

export function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

/** Host names the server answers to: the one it was bound to, and the loopback names when bound to loopback. */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set([boundHost.includes(':') ? `[${boundHost}]` : boundHost])
  if (LOOPBACK_NAMES.includes(boundHost) || boundHost === '::1') LOOPBACK_NAMES.forEach((name) => names.add(name))
  return new Set([...names].map((name) => `${name}:${port}`))
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string }

/** Host and Origin checks shared by HTTP and WebSocket upgrades. A request without Origin (curl, same-origin GET) passes. */
export function checkHostAndOrigin(request: IncomingMessage, hosts: Set<string>): Verdict {
  const host = request.headers.host ?? ''
  if (!hosts.has(host)) return { ok: false, status: 403, reason: `Host '${host}' is not this studio (expected one of: ${[...hosts].join(', ')})` }
  const origin = request.headers.origin
  if (origin !== undefined && !(origin.startsWith('http://') && hosts.has(origin.slice('http://'.length)))) {
    return { ok: false, status: 403, reason: `requests from origin '${origin}' are refused` }
  }
  return { ok: true }
}
