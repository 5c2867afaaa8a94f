import { defineConfig } from 'vitest/config'

// Two projects: `unit` (engine, contract, store, CLI; Node) and `e2e` (Playwright driving Debian's
// Chromium against the browser mode, which needs `electron-vite build` first; `npm test` does that).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
