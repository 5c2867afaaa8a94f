// The Playground in a real browser: a tiny TAGI pipeline is trained in-process on the SNI sample into a
// fresh workspace, `tagi studio --web` is started on it, and a newcomer's flow is driven in Chromium:
// write an instruction, generate its adapter and answer inputs side by side (the generated adapter must
// change the output), save and reopen the instruction, export the adapter as a PEFT folder, and see an
// engine error where it happens. Screenshots go to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { initBackend } from '../../src-main/engine/backend/index.ts'
import { startStudioWeb, type StudioWeb } from './helpers/studio-process.ts'
import { launchBrowser, openStudio, screenshot, waitForHash, type TestBrowser } from './helpers/browser.ts'
import { runTinyPipeline } from './helpers/tiny-pipeline.ts'

const workspace = mkdtempSync(join(tmpdir(), 'tagi-e2e-playground-'))
let runs: Record<string, string>
let studio: StudioWeb
let browser: TestBrowser
let page: Page
let pageErrors: string[]

beforeAll(async () => {
  await initBackend()
  runs = (await runTinyPipeline(workspace)).results.runs
  ;[studio, browser] = await Promise.all([startStudioWeb({ env: { TAGI_WORKSPACE: workspace } }), launchBrowser()])
  ;({ page, errors: pageErrors } = await openStudio(browser.context, studio.url))
})
afterAll(async () => {
  await browser?.close()
  await studio?.stop()
  rmSync(workspace, { recursive: true, force: true })
})

const answerRaw = (row: number, method: string) => page.getByTestId(`answer-${row}-${method}`).getByTestId('answer-raw').textContent()

async function openPlayground(): Promise<void> {
  await page.keyboard.press('Alt+3')
  await waitForHash(page, '#/playground')
  await page.locator('#instruction-definition').waitFor()
}

describe('playground', () => {
  it('offers the trained hypernetwork with its pipeline', async () => {
    await openPlayground()
    expect(await page.locator('select[name=hyper]').inputValue()).toBe(runs['hyper-finetune'])
    const details = await page.getByTestId('hyper-details').textContent()
    expect(details).toContain(runs.backbone)
    expect(details).toContain('8 teacher LoRAs')
    expect(details).toContain('meta-trained baseline')
  })

  it('generates an adapter from a new instruction and shows the answers side by side', async () => {
    await page.getByLabel('Name (for saving)').fill('Capital cities')
    await page.locator('#instruction-definition').fill('Given a country, answer with the name of its capital city.')
    await page.getByRole('button', { name: 'Add example' }).click()
    await page.getByLabel('Example 1 input', { exact: true }).fill('France')
    await page.getByLabel('Example 1 output', { exact: true }).fill('Paris')
    await page.getByLabel('Input 1', { exact: true }).fill('Germany')
    await page.getByRole('button', { name: 'Add input' }).click()
    await page.getByLabel('Input 2', { exact: true }).fill('the cat sat on the mat')
    await page.getByLabel('Input 2', { exact: true }).press('Control+Enter') // the page's shortcut: generate & run
    await page.getByTestId('answers').waitFor({ timeout: 60_000 })

    expect(await page.getByTestId('generation-ms').textContent()).toMatch(/^\d+(\.\d)? ms \(instruction encoding \+ generators\)$/)
    expect(await page.getByTestId('instruction-text').textContent()).toContain('Definition: Given a country, answer with the name of its capital city.')
    const methods = ['backbone', 'generated', 'teacher', 'metatrain']
    for (const row of [0, 1]) {
      for (const method of methods) {
        const card = page.getByTestId(`answer-${row}-${method}`)
        expect(await card.getByTestId('answer-ms').textContent()).toMatch(/^\d+(\.\d)? ms$/)
        expect(await card.getByTestId('answer-raw').textContent()).toMatch(/ · \d+ tok$/)
      }
    }
    // The generated adapter changes what the backbone says for at least one of the inputs.
    const differs = await Promise.all([0, 1].map(async (row) => (await answerRaw(row, 'backbone')) !== (await answerRaw(row, 'generated'))))
    expect(differs).toContain(true)
    expect(await page.getByTestId('generation-nearest').locator('tbody tr').count()).toBe(3)
    await screenshot(page, 'playground-answers')
  })

  it('saves the instruction with Ctrl+S and reopens it after a reload', async () => {
    await page.locator('#instruction-definition').press('Control+s')
    await page.getByTestId('save-notice').waitFor()
    const file = join(workspace, 'instructions', 'capital-cities.json')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ name: 'Capital cities', examples: [{ input: 'France', output: 'Paris' }], inputs: ['Germany', 'the cat sat on the mat'] })
    await page.reload()
    await page.locator('#instruction-definition').waitFor()
    expect(await page.locator('#instruction-definition').inputValue()).toBe('')
    await page.getByRole('button', { name: 'Open Capital cities' }).click()
    expect(await page.locator('#instruction-definition').inputValue()).toBe('Given a country, answer with the name of its capital city.')
    expect(await page.getByLabel('Input 2', { exact: true }).inputValue()).toBe('the cat sat on the mat')
  })

  it('exports the generated adapter as a PEFT folder, and shows an export error where it happens', async () => {
    await page.getByRole('button', { name: 'Generate adapter' }).click()
    await page.getByTestId('generation-ms').waitFor()
    const cluttered = join(workspace, 'cluttered')
    mkdirSync(cluttered)
    writeFileSync(join(cluttered, 'notes.txt'), 'keep me')
    await page.locator('input[name=export-path]').fill(cluttered)
    await page.getByRole('button', { name: 'Export' }).click()
    expect(await page.getByTestId('export-error').textContent()).toContain('is not empty and is not an adapter folder')

    const out = join(workspace, 'adapters', 'capitals')
    await page.locator('input[name=export-path]').fill(out)
    await page.getByRole('button', { name: 'Export' }).click()
    await page.getByTestId('export-result').waitFor()
    expect(await page.getByTestId('export-result').textContent()).toContain(out)
    for (const file of ['adapter_config.json', 'adapter_model.safetensors', 'instruction_memory.safetensors', 'tagi_generation.json']) expect(existsSync(join(out, file))).toBe(true)
    expect(JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'))).toMatchObject({ peft_type: 'LORA', r: 4, target_modules: ['q', 'v'] })
    await screenshot(page, 'playground-exported')
  })

  it('keeps the page free of script errors', () => {
    expect(pageErrors).toEqual([])
  })
})
