// The CLI faces of the foundation: `tagi --help`, `tagi info --json` (with workspace resolution), argument
// errors, and that `npx tagi` runs this project's own bin.
import { describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const REPO = resolve(import.meta.dirname, '../../..')
const scratch = mkdtempSync(join(tmpdir(), 'tagi-cli-'))
const baseEnv = { ...process.env, TAGI_CONFIG_DIR: join(scratch, 'config'), TAGI_WORKSPACE: '' }

async function tagi(args: string[], env: NodeJS.ProcessEnv = baseEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/tagi.mjs', ...args], { cwd: REPO, env, timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('tagi CLI', () => {
  it('--help lists the foundation commands', async () => {
    const { code, stdout } = await tagi(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^\s+info \[options\]/m)
    expect(stdout).toMatch(/^\s+studio \[options\]/m)
    const studio = await tagi(['studio', '--help'])
    for (const flag of ['--web', '--port <n>', '--host <address>', '--workspace <dir>']) expect(studio.stdout).toContain(flag)
  })

  it('info --json reports the engine and the workspace from --workspace', async () => {
    const workspace = join(scratch, 'flag-ws')
    const { code, stdout } = await tagi(['info', '--json', '--workspace', workspace])
    expect(code).toBe(0)
    const info = JSON.parse(stdout)
    expect(['wasm', 'tensorflow', 'cpu']).toContain(info.backend.name)
    expect(info.backend.reason).toEqual(expect.any(String))
    expect(info.tfjsVersion).toMatch(/^4\./)
    expect(info.backend.threads).toBeGreaterThanOrEqual(1)
    expect(info.memory.rssBytes).toBeGreaterThan(0)
    expect(info.workspace).toEqual({ dir: workspace, source: 'flag' })
    expect(info.settingsFile).toBe(join(scratch, 'config', 'settings.json'))
  })

  it('info takes the workspace from env, then from the settings, and the backend from the settings', async () => {
    const fromEnv = await tagi(['info', '--json'], { ...baseEnv, TAGI_WORKSPACE: join(scratch, 'env-ws') })
    expect(JSON.parse(fromEnv.stdout).workspace).toEqual({ dir: join(scratch, 'env-ws'), source: 'env' })
    const configDir = join(scratch, 'config-with-settings')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(configDir, { recursive: true })
    writeFileSync(join(configDir, 'settings.json'), JSON.stringify({ workspace: join(scratch, 'set-ws'), backend: 'cpu' }))
    const fromSettings = await tagi(['info', '--json'], { ...baseEnv, TAGI_CONFIG_DIR: configDir })
    const info = JSON.parse(fromSettings.stdout)
    expect(info.workspace).toEqual({ dir: join(scratch, 'set-ws'), source: 'settings' })
    expect(info.backend).toMatchObject({ name: 'cpu', requested: 'cpu' })
  })

  it('info without --json prints a readable table', async () => {
    const { stdout } = await tagi(['info', '--workspace', join(scratch, 'ws')])
    expect(stdout).toMatch(/^backend\s+\S/m)
    expect(stdout).toMatch(/^reason\s+\S/m)
    expect(stdout).toMatch(/^workspace\s+.*\(from flag\)$/m)
  })

  it('bad arguments and a broken settings file give clear errors', async () => {
    const port = await tagi(['studio', '--web', '--port', 'eighty'])
    expect(port.code).not.toBe(0)
    expect(port.stderr).toContain("expected an integer port 0-65535 (0 = any free port), found 'eighty'")
    const backend = await tagi(['info', '--backend', 'quantum'])
    expect(backend.code).not.toBe(0)
    expect(backend.stderr).toMatch(/argument 'quantum' is invalid.*auto, tensorflow-gpu, tensorflow, wasm, cpu/s)
    const brokenDir = join(scratch, 'broken-config')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(brokenDir, { recursive: true })
    writeFileSync(join(brokenDir, 'settings.json'), JSON.stringify({ theme: 'neon' }))
    const broken = await tagi(['info'], { ...baseEnv, TAGI_CONFIG_DIR: brokenDir })
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/^tagi: error: settings file .*settings\.json is invalid: theme: .*\(found: "neon"\)/)
  })

  it('`npx tagi` runs this project\'s own bin (npm exec resolves the root package\'s bin by name)', async () => {
    const { stdout } = await run('npx', ['--no-install', 'tagi', '--version'], { cwd: REPO, env: baseEnv, timeout: 60_000 })
    const { version } = (await import('../../../package.json', { with: { type: 'json' } })).default
    expect(stdout.trim()).toBe(version)
  })
})
