// `tagi prompt`, `tagi dataset ...` and `tagi suite generate` through the real CLI entry point.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = resolve(__dirname, '../../..')
const SAMPLE = resolve(ROOT, '../shared/data/sni/sample')
const temp = mkdtempSync(join(tmpdir(), 'tagi-cli-data-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

async function tagi(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('node', [join(ROOT, 'bin/tagi.mjs'), ...args], { cwd: ROOT, env: { ...process.env, TAGI_WORKSPACE: join(temp, 'ws') } })
    return { stdout, stderr, code: 0 }
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}

describe('data commands', () => {
  it('tagi prompt prints the exact teacher prompt, and --json every derived text', async () => {
    const file = join(SAMPLE, 'train/task1146_country_capital.json')
    const plain = await tagi('prompt', file, '--instance', '1', '--setting', 'def')
    expect(plain.code).toBe(0)
    const input = JSON.parse(readFileSync(file, 'utf8')).Instances[1].input.trim()
    expect(plain.stdout).toBe(
      'Definition: In this task, you are given a country name and you need to return the capital city of the given country.\n\n' +
        `Now complete the following example -\nInput: ${input}.\nOutput: `,
    )
    const json = JSON.parse((await tagi('prompt', file, '--instance', '0', '--json', '--student', 'definition+input')).stdout)
    expect(json.teacherPrompt).toContain(' Positive Example 2 -\nInput: India.\n Output: New Delhi.\n\n')
    expect(json.studentInput.startsWith('Definition: ')).toBe(true)
    expect(json.references).toEqual(['Kabul'])
    const bad = await tagi('prompt', file, '--instance', '99')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/tagi: error: .*no instance '99' \(the task has 20 valid instances/)
    expect((await tagi('prompt', file, '--instance', '0', '--max-source-tokens', '50')).stderr).toMatch(/needs --tokenizer/)
  })

  it('tagi dataset import/list/show/export work on a workspace', async () => {
    const imported = await tagi('dataset', 'import', SAMPLE, '--instances', '5', '--name', 'mini', '--json')
    expect(imported.code).toBe(0)
    expect(imported.stderr).toMatch(/importing 12\/12/)
    const record = JSON.parse(imported.stdout)
    expect(record.counts).toMatchObject({ tasks: 12, instances: 60 })
    const list = JSON.parse((await tagi('dataset', 'list', '--json')).stdout)
    expect(list.datasets.map((d: { id: string }) => d.id)).toEqual([record.id])
    const show = await tagi('dataset', 'show', record.id)
    expect(show.stdout).toMatch(/tasks {6}12 \(train 8, test 4\), 60 instances/)
    const out = join(temp, 'mini.jsonl')
    const exported = JSON.parse((await tagi('dataset', 'export', record.id, '--out', out, '--json')).stdout)
    expect(exported.lines).toBe(60)
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(60)
    expect((await tagi('dataset', 'import', SAMPLE, '--instances', 'zero')).stderr).toMatch(/--instances must be a positive integer, found 'zero'/)
  })

  it('tagi suite generate writes the suite', async () => {
    const result = JSON.parse((await tagi('suite', 'generate', '--out', join(temp, 'suite'), '--seed', '3', '--json')).stdout)
    expect(result).toMatchObject({ train: 21, test: 8, instances: 21 * 100 + 8 * 50, seed: 3 })
  })
})
