/**
 * electron-vite 6 build: the Electron main process and the engine host's utility-process entry (out/main),
 * the sandboxed preload as CommonJS (out/preload/index.cjs: sandboxed preloads cannot be ES modules), and
 * the Svelte renderer (out/renderer), which the browser mode serves too.
 */
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

const root = import.meta.dirname

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/electron/main.ts'),
          'engine-host': resolve(root, 'src-main/host/entries/utility-process-entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
    plugins: [svelte()],
  },
})
