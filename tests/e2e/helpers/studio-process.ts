/**
 * Starts the browser mode the way a user does (`node bin/tagi.mjs studio --web --port 0`) in a child
 * process with a temporary workspace and settings folder, and reads the URL it prints. Reusable by every
 * page test: `const studio = await startStudioWeb(); … await studio.stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO_ROOT = resolve(import.meta.dirname, '../../..')

export interface StudioWeb {
  /** The full URL with the session token. */
  url: string
  origin: string
  token: string
  workspace: string
  configDir: string
  /** Everything the process printed so far (stdout + stderr), for failure messages. */
  output(): string
  stop(): Promise<void>
}

export interface StartOptions {
  /** Extra environment (e.g. a prepared TAGI_CONFIG_DIR). */
  env?: Record<string, string>
  args?: string[]
  // The engine worker loads tfjs and tsx-compiles the engine: ~5 s here, more on a busy 2-core CI box.
  timeoutMs?: number
}

export async function startStudioWeb(options: StartOptions = {}): Promise<StudioWeb> {
  const scratch = mkdtempSync(join(tmpdir(), 'tagi-e2e-'))
  const workspace = join(scratch, 'workspace')
  const configDir = join(scratch, 'config')
  const child: ChildProcess = spawn(process.execPath, ['bin/tagi.mjs', 'studio', '--web', '--port', '0', ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, TAGI_WORKSPACE: workspace, TAGI_CONFIG_DIR: configDir, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((done) => child.once('exit', () => done()))

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the studio printed no URL within ${options.timeoutMs ?? 60_000} ms; output:\n${output.slice(-2000)}`)), options.timeoutMs ?? 60_000)
    const check = () => {
      const match = /running at (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the studio exited with code ${code} before printing its URL; output:\n${output.slice(-2000)}`))
    })
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    workspace,
    configDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))])
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(scratch, { recursive: true, force: true })
    },
  }
}
