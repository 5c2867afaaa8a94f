#!/usr/bin/env node
// The `tagi` command. The engine is TypeScript run from source through tsx, so the CLI needs no build step.
import { register } from 'tsx/esm/api'

register()
await import('../src-main/cli/main.ts')
