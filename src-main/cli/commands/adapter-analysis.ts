/**
 * `tagi adapter compare A_DIR B_DIR [--json] [--shared-only]`: per-module cosine, norms, norm ratio and
 * top singular values of two PEFT adapters' updates ΔW, then a summary.
 * `tagi adapter nearest TARGET_DIR CANDIDATE_DIR... [--metric M] [--json]`: candidates ranked by how
 * close their updates are to the target's (a CANDIDATE_DIR may also be a folder of adapter folders).
 * Both join the `adapter` command group, creating it when no other module did (e.g. `adapter generate`).
 */
import { resolve } from 'node:path'
import { Command, Option } from 'commander'
import { initBackend } from '../../engine/backend/index.ts'
import { adapterDirsUnder, compareAdapters, loadAdapterDir, NEAREST_METRICS, rankNearest, type AdapterComparison, type NearestMetric, type NearestResult } from '../../engine/analysis/index.ts'

/** Digits shown in tables; --json gives full precision. */
const TABLE_DIGITS = 4
/** Singular values shown per side in the table: the top few say whether the energy sits in one direction. */
const TABLE_SPECTRUM_VALUES = 3

function fixed(x: number | null): string {
  return x === null ? '—' : x.toFixed(TABLE_DIGITS)
}

function sig(x: number | null): string {
  return x === null ? '—' : x === 0 ? '0' : x.toPrecision(TABLE_DIGITS)
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  return [header, ...rows].map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')
}

export function formatComparison(result: AdapterComparison, nameA: string, nameB: string): string {
  const rows = result.modules.map((m) => [
    `${m.stack} ${m.layer} ${m.target}`,
    `${m.rankA}/${m.rankB}`,
    fixed(m.cosine),
    sig(m.normA),
    sig(m.normB),
    sig(m.normRatio),
    m.spectrumA.slice(0, TABLE_SPECTRUM_VALUES).map(sig).join(' '),
    m.spectrumB.slice(0, TABLE_SPECTRUM_VALUES).map(sig).join(' '),
  ])
  const s = result.summary
  const lines = [
    `A: ${nameA}`,
    `B: ${nameB}`,
    '',
    table(['module', 'rank A/B', 'cosine', '‖ΔW_A‖', '‖ΔW_B‖', 'A/B', `σ_A (top ${TABLE_SPECTRUM_VALUES})`, `σ_B (top ${TABLE_SPECTRUM_VALUES})`], rows),
    '',
    `modules          ${s.modules}${s.modulesWithoutCosine > 0 ? ` (${s.modulesWithoutCosine} with a zero update, no cosine)` : ''}`,
    `mean cosine      ${fixed(s.meanCosine)}  (unweighted mean over modules)`,
    `weighted cosine  ${fixed(s.weightedCosine)}  (modules weighted by ‖ΔW_A‖·‖ΔW_B‖)`,
    `global cosine    ${fixed(s.globalCosine)}  (whole adapters as one vector)`,
    `min / max        ${s.minCosine ? `${fixed(s.minCosine.value)} ${s.minCosine.id}` : '—'} / ${s.maxCosine ? `${fixed(s.maxCosine.value)} ${s.maxCosine.id}` : '—'}`,
    `norm A / B       ${sig(s.normA)} / ${sig(s.normB)} = ${sig(s.normRatio)}`,
  ]
  if (result.onlyInA.length > 0 || result.onlyInB.length > 0) lines.push(`not compared     ${result.onlyInA.length} module(s) only in A, ${result.onlyInB.length} only in B`)
  return lines.join('\n')
}

export function formatNearest(result: NearestResult, target: string): string {
  const rows = result.ranking.map((e) => [String(e.rank), e.name, fixed(e.meanCosine), fixed(e.weightedCosine), fixed(e.globalCosine), sig(e.normRatio)])
  return [`target: ${target}`, `sorted by ${result.metric}, nearest first`, '', table(['rank', 'candidate', 'meanCosine', 'weightedCosine', 'globalCosine', 'norm ratio (target / candidate)'], rows)].join('\n')
}

/** Candidate folders, expanded and named; the target itself is left out; names made unique by path. */
function candidateDirs(targetDir: string, paths: string[]): { name: string; dir: string }[] {
  const all = paths.flatMap((p) => adapterDirsUnder(p)).filter((c) => resolve(c.dir) !== resolve(targetDir))
  if (all.length === 0) throw new Error('no candidate adapter folders besides the target')
  const counts = new Map<string, number>()
  for (const c of all) counts.set(c.name, (counts.get(c.name) ?? 0) + 1)
  return all.map((c) => ({ name: counts.get(c.name)! > 1 ? c.dir : c.name, dir: c.dir }))
}

function adapterGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'adapter') ?? program.command('adapter').description('LoRA adapters')
}

export function register(program: Command): void {
  const group = adapterGroup(program)
  group
    .command('compare')
    .description('compare two PEFT LoRA adapters module by module: cosine and norm ratio of ΔW = scale·B·A, singular values')
    .argument('<a-dir>', 'PEFT adapter folder A (adapter_config.json + adapter_model.safetensors)')
    .argument('<b-dir>', 'PEFT adapter folder B, same architecture; norm ratios are A / B')
    .option('--json', 'print the full result as JSON (modules, summary, heatmap grid)')
    .option('--shared-only', 'compare only the modules both adapters have instead of failing on the others')
    .action(async (aDir: string, bDir: string, o: { json?: boolean; sharedOnly?: boolean }) => {
      await initBackend() // only reads the adapter tensors; all arithmetic is float64 JS
      const result = compareAdapters(loadAdapterDir(aDir), loadAdapterDir(bDir), { modules: o.sharedOnly ? 'shared' : 'same' })
      process.stdout.write((o.json ? JSON.stringify(result) : formatComparison(result, aDir, bDir)) + '\n')
    })
  group
    .command('nearest')
    .description('rank candidate adapters by how close their ΔW are to the target adapter\'s')
    .argument('<target-dir>', 'PEFT adapter folder, e.g. a generated adapter')
    .argument('<candidate-dirs...>', 'PEFT adapter folders, or folders of them (e.g. the teachers); the target itself is skipped')
    .addOption(new Option('--metric <metric>', 'summary cosine to sort by').choices(NEAREST_METRICS).default('meanCosine'))
    .option('--json', 'print the ranking as JSON')
    .option('--shared-only', 'compare only the modules both adapters have instead of failing on the others')
    .action(async (targetDir: string, paths: string[], o: { metric: NearestMetric; json?: boolean; sharedOnly?: boolean }) => {
      await initBackend()
      const target = loadAdapterDir(targetDir)
      const candidates = candidateDirs(targetDir, paths).map(({ name, dir }) => ({ name, adapter: loadAdapterDir(dir) }))
      const result = rankNearest(target, candidates, { metric: o.metric, modules: o.sharedOnly ? 'shared' : 'same' })
      process.stdout.write((o.json ? JSON.stringify(result) : formatNearest(result, targetDir)) + '\n')
    })
}
