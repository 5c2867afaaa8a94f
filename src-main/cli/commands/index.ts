/** The CLI's commands, one module each. Add a module here to add a command. */
import type { Command } from 'commander'

const modules: { register(program: Command): void }[] = []

export function registerCommands(program: Command): void {
  for (const module of modules) module.register(program)
}
