/**
 * `tagi suite generate --seed N --out DIR`: regenerate the built-in instruction suite
 * (resources/instruction-suite; engine/data/suite/). The same seed gives byte-identical files.
 */
import type { Command } from 'commander'
import { DEFAULT_SUITE_CONFIG, writeSuite } from '../../engine/data/suite/generate.ts'

function positiveInt(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, found '${value}'`)
  return n
}

export function register(program: Command): void {
  const suite = program.command('suite').description('the built-in instruction suite (synthetic SNI-format tasks a tiny T5 learns on a CPU)')
  suite
    .command('generate')
    .description('write the suite (train/, test/, splits.json) into a folder')
    .requiredOption('--out <dir>', 'output folder (resources/instruction-suite holds the committed copy)')
    .option('--seed <n>', 'seed of every random draw', String(DEFAULT_SUITE_CONFIG.seed))
    .option('--train-instances <n>', 'instances per training task', String(DEFAULT_SUITE_CONFIG.trainInstances))
    .option('--test-instances <n>', 'instances per held-out task', String(DEFAULT_SUITE_CONFIG.testInstances))
    .option('--json', 'print the result as JSON')
    .action((options: { out: string; seed: string; trainInstances: string; testInstances: string; json?: boolean }) => {
      const seed = Number(options.seed)
      if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be an integer >= 0, found '${options.seed}'`)
      const result = writeSuite(options.out, {
        seed,
        trainInstances: positiveInt(options.trainInstances, '--train-instances'),
        testInstances: positiveInt(options.testInstances, '--test-instances'),
      })
      if (options.json) process.stdout.write(JSON.stringify({ ...result, seed }) + '\n')
      else process.stdout.write(`wrote ${result.train} training and ${result.test} held-out tasks (${result.instances} instances) to ${result.dir}\n`)
    })
}
