/**
 * Job kind `dataset-import`: `importDataset` (engine/data/datasets.ts) as a studio job, so an import of a
 * 1600-file natural-instructions clone streams its progress (files for a folder, bytes for a JSONL file)
 * and can be cancelled (the half-written `.partial` folder is removed). Its result is the dataset record,
 * whose `skipped` list carries every file that was not imported and why (the per-file errors the page shows).
 */
import { z } from 'zod'
import { importDataset, INSTRUCTION_SUITE_DIR, type DatasetRecord } from '../../data/index.ts'
import { DEFAULT_LOAD_OPTIONS } from '../../data/sni/loader.ts'
import { defineJobKind, JobCancelledError } from '../job-kind.ts'

/** Sources the studio can import with one click, by name (the renderer cannot know install paths). */
const BUILTIN_SOURCES = { 'instruction-suite': INSTRUCTION_SUITE_DIR } as const
const BUILTIN_NAMES = { 'instruction-suite': 'instruction suite (built-in)' } as const

export const DatasetImportParams = z
  .strictObject({
    path: z.string().trim().min(1).optional().describe('a folder of SNI task files or a .jsonl file, on the engine host’s machine'),
    builtin: z.enum(['instruction-suite']).optional().describe('import a source that ships with the studio instead of a path'),
    name: z.string().trim().min(1).nullable().default(null).describe('dataset name; null: the folder or file name'),
    // 100 per task, as the paper trains and evaluates (decisions.md §1 point 10).
    instancesPerTask: z.number().int().positive().default(DEFAULT_LOAD_OPTIONS.instancesPerTask).describe('instances kept per task, first by file order'),
    format: z.enum(['auto', 'sni', 'jsonl']).default('auto').describe("'auto': a .jsonl file as JSONL, a folder as SNI task files"),
    // English tasks only, as the paper's SNI setting (tagi-method.md §5.2).
    requireEnglish: z.boolean().default(DEFAULT_LOAD_OPTIONS.requireEnglish).describe('skip tasks whose language fields name anything but English'),
    splitName: z.string().min(1).default(DEFAULT_LOAD_OPTIONS.splitName).describe('natural-instructions split folder under splits/'),
  })
  .refine((p) => (p.path === undefined) !== (p.builtin === undefined), {
    message: "give exactly one of 'path' (a folder or .jsonl file) and 'builtin' ('instruction-suite')",
  })

export interface DatasetImportResult {
  record: DatasetRecord
}

export const datasetImport = defineJobKind({
  kind: 'dataset-import',
  title: 'Import a dataset',
  description: 'Copies a folder of SNI task files or a JSONL file into the workspace (first N instances per task), reporting every file it skips and why.',
  params: DatasetImportParams,
  async run(params, ctx): Promise<DatasetImportResult> {
    const source = params.builtin ? BUILTIN_SOURCES[params.builtin] : params.path!
    const name = params.name ?? (params.builtin ? BUILTIN_NAMES[params.builtin] : undefined)
    ctx.log(`importing ${source}`)
    const record = await importDataset(ctx.workspaceDir, source, {
      name,
      instancesPerTask: params.instancesPerTask,
      format: params.format,
      requireEnglish: params.requireEnglish,
      splitName: params.splitName,
      onProgress: (done, total, file) => {
        // Throwing here unwinds importDataset, which removes its partial folder before rethrowing.
        if (ctx.signal.aborted) throw new JobCancelledError()
        ctx.progress({ step: done, total: Math.max(total, 1), message: file, metrics: { done, total } })
      },
    })
    for (const skipped of record.skipped) ctx.log(`skipped ${skipped.file}: ${skipped.reason}`, 'warn')
    ctx.log(`imported ${record.counts.tasks} tasks, ${record.counts.instances} instances as ${record.id}`)
    return { record }
  },
})
