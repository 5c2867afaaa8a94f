/**
 * `tagi`: the command-line face of the engine. Every command lives in its own module under
 * `commands/` and registers itself on the program; what the studio can do, a script can do.
 */
import { Command, CommanderError } from 'commander'
import { readFileSync } from 'node:fs'
import { registerCommands } from './commands/index.ts'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

const program = new Command('tagi')
  .description('TAGI Studio engine: T5 + LoRA, hypernetworks that turn instructions into adapters, on TensorFlow.js')
  .version(pkg.version)
  .showHelpAfterError()
  .exitOverride()

registerCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  process.stderr.write(`tagi: error: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
