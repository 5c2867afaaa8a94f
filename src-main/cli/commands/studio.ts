/**
 * `tagi studio [--web] [--port N] [--host 127.0.0.1] [--workspace <dir>]`: opens the Electron app where an
 * Electron binary and a display exist, otherwise (or with --web) starts the browser mode and prints why
 * and the URL to open. `npm start` and `npm run studio:web` call this.
 */
import { spawn } from 'node:child_process'
import { Command, InvalidArgumentError } from 'commander'
import { WORKSPACE_ARG } from '../../electron/args.ts'
import { APP_DIR, electronUnavailableReason, findElectronBinary } from '../../electron/launch.ts'
import { startBrowserStudio } from '../../web/browser-studio.ts'

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`expected an integer port 0-65535 (0 = any free port), found '${value}'`)
  return port
}

interface StudioOptions {
  web?: boolean
  port: number
  host: string
  workspace?: string
}

async function runBrowserMode(options: StudioOptions, why: string): Promise<void> {
  const studio = await startBrowserStudio({ host: options.host, port: options.port, workspaceFlag: options.workspace })
  if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) {
    process.stdout.write(`warning: listening on ${options.host}: other machines on the network can reach the studio (the token still guards it)\n`)
  }
  process.stdout.write(`${why}\nTAGI Studio (browser mode) is running at ${studio.url}\nOpen that URL in a browser; press Ctrl+C to stop.\n`)
  await new Promise<void>((resolve) => {
    const stop = () => void studio.close().then(resolve)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

async function runElectron(binary: string, options: StudioOptions): Promise<void> {
  const args = [APP_DIR, ...(options.workspace ? [`${WORKSPACE_ARG}${options.workspace}`] : [])]
  const child = spawn(binary, args, { stdio: 'inherit', env: process.env })
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (exitCode) => resolve(exitCode ?? 1))
  })
  if (code !== 0) throw new Error(`the Electron app exited with code ${code}`)
}

export function register(program: Command): void {
  program
    .command('studio')
    .description('open TAGI Studio: the Electron app where it can run, else the browser mode (127.0.0.1 + token)')
    .option('--web', 'always start the browser mode')
    .option('--port <n>', 'browser mode port (0 = any free port)', parsePort, 0)
    .option('--host <address>', 'browser mode address to listen on', '127.0.0.1')
    .option('--workspace <dir>', 'workspace folder (default: env TAGI_WORKSPACE, then the settings, then the user data folder)')
    .action(async (options: StudioOptions) => {
      if (options.web) return runBrowserMode(options, 'Starting the browser mode (--web).')
      const reason = electronUnavailableReason()
      if (reason) return runBrowserMode(options, `The Electron app cannot start here: ${reason}. Starting the browser mode instead.`)
      const binary = findElectronBinary()
      if (!binary.ok) throw new Error(binary.reason)
      await runElectron(binary.path, options)
    })
}
