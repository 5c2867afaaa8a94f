/** The CLI's commands, one module each. Add a module here to add a command. */
import type { Command } from 'commander'
import * as info from './info.ts'
import * as studio from './studio.ts'
import * as dataset from './dataset.ts'
import * as prompt from './prompt.ts'
import * as suite from './suite.ts'
import * as evaluate from './eval.ts'
import * as rouge from './rouge.ts'
import * as forward from './forward.ts'
import * as generate from './generate.ts'
import * as train from './train.ts'
import * as pipeline from './pipeline.ts'
import * as adapter from './adapter.ts'
import * as adapterAnalysis from './adapter-analysis.ts' // keep last: joins an existing `adapter` group

const modules: { register(program: Command): void }[] = [info, studio, rouge, evaluate, dataset, prompt, suite, forward, generate, train, pipeline, adapter, adapterAnalysis]

export function registerCommands(program: Command): void {
  for (const module of modules) module.register(program)
}
