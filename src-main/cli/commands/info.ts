/**
 * `tagi info [--json] [--workspace <dir>] [--backend <pref>]`: what the engine runs on here (backend and
 * why, tfjs version, threads, memory, workspace). Starts the engine host in-process, the same code the
 * studio's status panel asks.
 */
import { Command, Option } from 'commander'
import { BACKEND_PREFERENCES, type EngineInfo } from '../../contract/index.ts'
import { createEngineHost } from '../../host/index.ts'
import { createConfSettingsStore, resolveWorkspace } from '../../settings/index.ts'

function formatBytes(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`
}

export function formatInfo(info: EngineInfo, settingsFile: string): string {
  const rows: [string, string][] = [
    ['backend', `${info.backend.label}  [${info.backend.name}]`],
    ['requested', info.backend.requested],
    ['reason', info.backend.reason],
    ['tfjs', info.tfjsVersion],
    ['threads', String(info.backend.threads)],
    ['memory', `rss ${formatBytes(info.memory.rssBytes)}, heap ${formatBytes(info.memory.heapUsedBytes)}, ${info.memory.tensors} tensors`],
    ['workspace', `${info.workspace.dir}  (from ${info.workspace.source})`],
    ['settings', settingsFile],
    ['node', info.host.nodeVersion],
  ]
  return rows.map(([key, value]) => `${key.padEnd(10)} ${value}`).join('\n')
}

export function register(program: Command): void {
  program
    .command('info')
    .description('show the compute backend (and why), tfjs version, threads, memory and workspace')
    .option('--json', 'print machine-readable JSON')
    .option('--workspace <dir>', 'workspace folder (default: env TAGI_WORKSPACE, then the settings, then the user data folder)')
    .addOption(new Option('--backend <preference>', 'compute backend preference (default: the settings)').choices(BACKEND_PREFERENCES))
    .action(async (options: { json?: boolean; workspace?: string; backend?: (typeof BACKEND_PREFERENCES)[number] }) => {
      const settings = createConfSettingsStore()
      const values = options.backend && (options.workspace || process.env.TAGI_WORKSPACE) ? null : settings.get()
      const host = createEngineHost({
        backend: options.backend ?? values?.backend ?? 'auto',
        workspace: resolveWorkspace({ flag: options.workspace, settings: () => values ?? settings.get() }),
        transport: 'in-process',
      })
      try {
        const response = await host.handle({ id: 1, method: 'engine.info' })
        if (!response.ok) throw new Error(response.error.message)
        const info = response.result as EngineInfo
        process.stdout.write(options.json ? `${JSON.stringify({ ...info, settingsFile: settings.file }, null, 2)}\n` : `${formatInfo(info, settings.file)}\n`)
      } finally {
        await host.dispose()
      }
    })
}
