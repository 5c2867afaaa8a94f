/**
 * `tagi dataset import|list|show|export`: SNI datasets in the workspace (engine/data/datasets.ts).
 * Import reads a folder of SNI task files (a natural-instructions clone, shared/data/sni, a plain folder)
 * or a JSONL file, keeps the first N instances per task and records what was skipped and why.
 */
import type { Command } from 'commander'
import { defaultWorkspaceDir } from '../../engine/store/workspace.ts'
import { exportDatasetJsonl, importDataset, listDatasets, readDatasetRecord, type DatasetRecord } from '../../engine/data/datasets.ts'

interface WorkspaceOption {
  workspace?: string
  json?: boolean
}

function workspaceDir(options: WorkspaceOption): string {
  return options.workspace ?? process.env.TAGI_WORKSPACE ?? defaultWorkspaceDir()
}

function positiveInt(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, found '${value}'`)
  return n
}

/** Progress on stderr: one rewritten line on a terminal, a line per 10% otherwise (logs stay short). */
function progressPrinter(): (done: number, total: number, file: string) => void {
  let lastDecile = -1
  return (done, total, file) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\rimporting ${done}/${total} ${file.slice(-60).padEnd(60)}`)
      if (done === total) process.stderr.write('\n')
      return
    }
    const decile = total === 0 ? 10 : Math.floor((10 * done) / total)
    if (decile !== lastDecile) {
      lastDecile = decile
      process.stderr.write(`importing ${done}/${total} ${file}\n`)
    }
  }
}

function summaryLines(record: DatasetRecord): string[] {
  const c = record.counts
  const lines = [
    `${record.id}  ${record.name}`,
    `  source     ${record.source.path} (${record.source.kind}, ${record.source.layout})`,
    `  imported   ${record.importedAt}, first ${record.settings.instancesPerTask} instances per task`,
    `  tasks      ${c.tasks} (${record.splits ? `train ${c.trainTasks}, test ${c.testTasks}` : 'no split'}), ${c.instances} instances`,
  ]
  const byCategory = new Map<string, number>()
  for (const categories of Object.values(record.categories)) {
    const primary = categories[0] ?? 'Uncategorized'
    byCategory.set(primary, (byCategory.get(primary) ?? 0) + 1)
  }
  const ranked = [...byCategory].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} (${n})`)
  const more = ranked.length > 8 ? `, ... ${ranked.length - 8} more (--json lists all)` : ''
  lines.push(`  categories ${ranked.slice(0, 8).join(', ')}${more}`)
  lines.push(`  skipped    ${c.skippedFiles} file(s)${c.issues ? `, ${c.issues} issue(s) inside kept tasks` : ''}`)
  return lines
}

export function register(program: Command): void {
  const dataset = program.command('dataset').description('import, list, show and export SNI datasets in the workspace')

  dataset
    .command('import')
    .description('import a folder of SNI task files or a JSONL file into the workspace (progress on stderr)')
    .argument('<path>', 'folder of SNI task files (natural-instructions clone, train/+test/ folders, plain folder) or a .jsonl file')
    .option('--name <name>', 'dataset name (default: the folder or file name)')
    .option('--instances <n>', 'instances kept per task, first by file order', '100')
    .option('--jsonl', 'read <path> as JSONL lines {task, definition, input, output|outputs, category?, split?}')
    .option('--any-language', 'keep non-English tasks too (default: English tasks only, as the paper)')
    .option('--split-name <name>', "natural-instructions split folder under splits/", 'default')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE or the user data folder)')
    .option('--json', 'print the dataset record as JSON')
    .action(async (path: string, options: WorkspaceOption & { name?: string; instances: string; jsonl?: boolean; anyLanguage?: boolean; splitName: string }) => {
      const record = await importDataset(workspaceDir(options), path, {
        name: options.name,
        instancesPerTask: positiveInt(options.instances, '--instances'),
        format: options.jsonl ? 'jsonl' : 'auto',
        requireEnglish: !options.anyLanguage,
        splitName: options.splitName,
        onProgress: progressPrinter(),
      })
      if (options.json) process.stdout.write(JSON.stringify(record, null, 2) + '\n')
      else process.stdout.write(summaryLines(record).join('\n') + '\n')
    })

  dataset
    .command('list')
    .description('list the datasets of the workspace, newest first')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE or the user data folder)')
    .option('--json', 'print JSON')
    .action((options: WorkspaceOption) => {
      const { datasets, unreadable } = listDatasets(workspaceDir(options))
      if (options.json) {
        const rows = datasets.map((d) => ({ id: d.id, name: d.name, importedAt: d.importedAt, source: d.source, counts: d.counts }))
        process.stdout.write(JSON.stringify({ datasets: rows, unreadable }, null, 2) + '\n')
        return
      }
      if (datasets.length === 0) process.stdout.write('no datasets (import one with `tagi dataset import <path>`)\n')
      for (const d of datasets) {
        process.stdout.write(`${d.id}  ${d.name}  ${d.counts.tasks} tasks, ${d.counts.instances} instances, imported ${d.importedAt}\n`)
      }
      for (const u of unreadable) process.stdout.write(`unreadable: ${u.id}: ${u.error}\n`)
    })

  dataset
    .command('show')
    .description('counts, splits, categories and skipped files of one dataset')
    .argument('<id>', 'dataset id (see `tagi dataset list`)')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE or the user data folder)')
    .option('--json', 'print the whole dataset record as JSON')
    .action((id: string, options: WorkspaceOption) => {
      const record = readDatasetRecord(workspaceDir(options), id)
      if (options.json) {
        process.stdout.write(JSON.stringify(record, null, 2) + '\n')
        return
      }
      const lines = summaryLines(record)
      if (record.splits) {
        lines.push(`  train      ${record.splits.train.join(', ')}`)
        lines.push(`  test       ${record.splits.test.join(', ')}`)
      }
      for (const s of record.skipped) lines.push(`  skipped    ${s.file}: ${s.reason}`)
      for (const issue of record.issues) lines.push(`  issue      ${issue.task}: ${issue.message}`)
      process.stdout.write(lines.join('\n') + '\n')
    })

  dataset
    .command('export')
    .description('write a dataset as JSONL, one instance per line')
    .argument('<id>', 'dataset id')
    .requiredOption('--out <file>', 'output .jsonl file')
    .option('--split <split>', 'only the train or test tasks')
    .option('--workspace <dir>', 'workspace folder (default: $TAGI_WORKSPACE or the user data folder)')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, options: WorkspaceOption & { out: string; split?: string }) => {
      if (options.split !== undefined && options.split !== 'train' && options.split !== 'test') {
        throw new Error(`--split must be 'train' or 'test', found '${options.split}'`)
      }
      const result = await exportDatasetJsonl(workspaceDir(options), id, options.out, { split: options.split as 'train' | 'test' | undefined })
      if (options.json) process.stdout.write(JSON.stringify(result) + '\n')
      else process.stdout.write(`wrote ${result.lines} lines (${result.tasks} tasks) to ${result.path}\n`)
    })
}
