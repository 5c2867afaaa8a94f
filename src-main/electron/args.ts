/**
 * Command-line arguments `tagi studio` passes to the Electron app. A separate module so the Electron main
 * does not bundle the launcher's Node-side checks (launch.ts).
 */

/** Carries `tagi studio --workspace <dir>` into the Electron main process: `--tagi-workspace=<dir>`. */
export const WORKSPACE_ARG = '--tagi-workspace='
