// The Runs page in a real browser against `tagi studio --web`, on ../shared/data/sni/sample with tiny step
// counts: a launch form generated from the stage's params schema (an engine error shown at the form),
// a backbone run whose loss chart gets points while the queue shows progress and ETA, a queued job cancelled
// before it starts, the run cancelled and resumed to completion with one continuous curve, a teacher built on
// it, a second backbone launched "like" the first, the two overlaid and their configs compared, and a
// provenance link followed from the teacher to its backbone. Screenshots in test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { REPO_ROOT, startStudioWeb, type StudioWeb } from './helpers/studio-process.ts'
import { BackboneParams } from '../../src-main/engine/stages/index.ts'
import { launchBrowser, openStudio, screenshot, waitForHash, waitForTheme, type TestBrowser } from './helpers/browser.ts'

const SAMPLE = resolve(REPO_ROOT, '../shared/data/sni/sample')
// 120 steps of 8 instances: ~15 s of training here, long enough to watch, cancel and resume.
const STEPS = 120
// The form must show the engine's own defaults: read them from the stage's params schema, not a copy.
const BACKBONE_TRAINING_DEFAULTS = BackboneParams.shape.training.parse(undefined)

let studio: StudioWeb
let browser: TestBrowser
let page: Page
let pageErrors: string[]

beforeAll(async () => {
  ;[studio, browser] = await Promise.all([startStudioWeb(), launchBrowser()])
  ;({ page, errors: pageErrors } = await openStudio(browser.context, studio.url))
  await page.getByRole('link', { name: /^Runs/ }).click()
  await page.getByRole('heading', { level: 2, name: 'Runs' }).waitFor()
})
afterAll(async () => {
  await browser?.close()
  await studio?.stop()
})

const row = (name: string) => page.locator('[data-testid=run-row]', { has: page.getByRole('button', { name, exact: true }) })
const runIdOf = async (name: string) => (await row(name).getAttribute('data-run-id'))!
const lossChart = () => page.locator('[data-testid=loss-chart][data-metric=loss]')
const chartPoints = async () => Number(await lossChart().getAttribute('data-points'))
// The test tsconfig has no DOM types (see helpers/browser.ts): the one global this reads, narrowly typed.
type ChartDocument = { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } }
/** Wait until the loss chart holds `count` points (or more than `count`, with `above`). */
async function waitForPoints(count: number, above = false, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    ({ count, above }) => {
      const points = Number((globalThis as unknown as ChartDocument).document.querySelector('[data-testid=loss-chart][data-metric=loss]')?.getAttribute('data-points'))
      return above ? points > count : points === count
    },
    { count, above },
    { timeout },
  )
}
const runJson = (id: string) => JSON.parse(readFileSync(join(studio.workspace, 'runs', id, 'run.json'), 'utf8'))

async function chooseKind(kind: string): Promise<void> {
  await page.locator('#launch-kind').selectOption(kind)
  await page.locator('[data-testid="field-name"]').waitFor()
}

/** Open a fieldset of the form (nested options are collapsed) and fill some of its options. */
async function fillGroup(group: string, values: Record<string, string>): Promise<void> {
  const details = page.locator(`[data-testid="field-${group}"]`)
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click()
  for (const [key, value] of Object.entries(values)) await page.locator(`#opt-${group}-${key}`).fill(value)
}

describe('runs page', () => {
  it('generates the launch form from the params schema and shows engine errors at the form', async () => {
    expect(await page.getByTestId('runs-empty').textContent()).toContain('No runs yet')
    // The default kind is the whole pipeline; its options come with their defaults.
    expect(await page.locator('#launch-kind').inputValue()).toBe('tagi-pipeline')
    expect(await page.locator('#opt-preset').inputValue()).toBe('tiny')
    expect(await page.locator('[data-testid="field-stepScale"]').textContent()).toContain('default: 1')
    expect(await page.locator('[data-testid="field-ablations"] input[type=checkbox]').count()).toBe(5)
    await chooseKind('train-backbone')
    await fillGroup('training', {})
    expect(await page.locator('#opt-training-decay option').allTextContents()).toEqual(['constant', 'linear'])
    expect(await page.locator('#opt-training-steps').inputValue()).toBe(String(BACKBONE_TRAINING_DEFAULTS.steps))
    expect(await page.locator('[data-testid="field-training.checkpointEvery"]').textContent()).toContain('integer, > 0')
    await screenshot(page, 'runs-1-launch-form')

    await chooseKind('train-teacher')
    await page.getByRole('button', { name: 'Start', exact: true }).click()
    const error = await page.getByTestId('launch-error').textContent()
    expect(error).toContain("invalid params for job 'train-teacher'")
    expect(error).toContain('params.backbone')
    expect(error).toContain('params.group')
  })

  it('trains a backbone with a live chart, progress and ETA; cancels a queued job; cancels and resumes the run', async () => {
    await chooseKind('train-backbone')
    await page.locator('#opt-dataset').fill(SAMPLE)
    await page.locator('#opt-name').fill('backbone A')
    await fillGroup('training', { steps: String(STEPS), batchSize: '8', checkpointEvery: '10' })
    await page.getByRole('button', { name: 'Start', exact: true }).click()

    // The new run comes into focus by itself and its loss curve grows step by step.
    await waitForPoints(4, true, 60_000)
    const first = await chartPoints()
    const running = page.locator('[data-testid=queue-job][data-status=running]')
    expect(Number(await running.getByRole('progressbar').getAttribute('aria-valuenow'))).toBeGreaterThan(0)
    expect(await running.getByTestId('queue-eta').textContent()).toMatch(/^ETA \d+(s|m \d\ds) · elapsed \d+/)
    expect(await running.getByTestId('queue-step').textContent()).toMatch(new RegExp(`^step \\d+ / ${STEPS} · \\d+%$`))
    await waitForPoints(first, true)
    expect(await page.locator('[data-testid=loss-chart]').evaluateAll((charts) => charts.map((c) => c.getAttribute('data-metric')))).toEqual(
      expect.arrayContaining(['loss', 'ce', 'lr', 'grad_norm', 'tokens_per_s']),
    )
    await screenshot(page, 'runs-2-training-live')

    // A second job waits in the queue (one job at a time) and can be cancelled before it starts.
    await page.locator('#opt-name').fill('never started')
    await page.getByRole('button', { name: 'Start', exact: true }).click()
    const queued = page.locator('[data-testid=queue-job][data-status=queued]')
    expect(await queued.textContent()).toContain('position 1 in the queue')
    await queued.getByRole('button', { name: /^Cancel/ }).click()
    await page.locator('[data-testid=queue-job][data-status=cancelled]').first().waitFor()
    expect(await queued.count()).toBe(0)

    // Cancel the training run: the trainer checkpoints; the run can be resumed from there.
    const detail = page.getByTestId('run-detail')
    expect(await detail.locator('h4').textContent()).toContain('backbone A')
    await detail.getByRole('button', { name: 'Cancel', exact: true }).click()
    await row('backbone A').and(page.locator('[data-status=cancelled]')).waitFor({ timeout: 30_000 })
    const resume = detail.getByRole('button', { name: /^Resume from step \d+$/ })
    await resume.waitFor()
    const id = await runIdOf('backbone A')
    const checkpoint = Number((await resume.textContent())!.match(/\d+$/)![0])
    expect(checkpoint).toBeGreaterThan(0)
    expect(checkpoint).toBeLessThan(STEPS)
    expect(runJson(id).status).toBe('cancelled')
    await screenshot(page, 'runs-3-cancelled')

    await resume.click()
    await row('backbone A').and(page.locator('[data-status=completed]')).waitFor({ timeout: 90_000 })
    // One continuous curve: every step once, the steps after the checkpoint re-done, not duplicated.
    await waitForPoints(STEPS)
    expect(runJson(id).summary.steps).toBe(STEPS)
    expect(await detail.getByRole('button', { name: /^Resume/ }).count()).toBe(0)
    await screenshot(page, 'runs-4-resumed-completed')
  })

  it('overlays two runs, compares their configs and follows a provenance link', async () => {
    const backboneA = await runIdOf('backbone A')
    // A teacher LoRA on backbone A: its provenance links back to A.
    await chooseKind('train-teacher')
    await page.locator('#opt-backbone').fill(backboneA)
    await page.locator('#opt-dataset').fill(SAMPLE)
    await page.locator('#opt-group').fill('Question Answering')
    await page.locator('#opt-name').fill('teacher QA')
    await fillGroup('training', { steps: '3', batchSize: '4' })
    await page.getByRole('button', { name: 'Start', exact: true }).click()
    await row('teacher QA').and(page.locator('[data-status=completed]')).waitFor({ timeout: 90_000 })

    // "Launch another like it": A's config in the form, then a different learning rate and length.
    await row('backbone A').getByRole('button', { name: 'backbone A' }).click()
    await page.getByTestId('run-detail').getByRole('button', { name: 'Launch another like it' }).click()
    expect(await page.locator('#launch-kind').inputValue()).toBe('train-backbone')
    expect(await page.locator('#opt-dataset').inputValue()).toBe(SAMPLE)
    await page.locator('#opt-name').fill('backbone B')
    await fillGroup('training', { steps: '6', learningRate: '0.003' })
    await page.getByRole('button', { name: 'Start', exact: true }).click()
    await row('backbone B').and(page.locator('[data-status=completed]')).waitFor({ timeout: 90_000 })

    await row('backbone A').getByRole('checkbox').check()
    await row('backbone B').getByRole('checkbox').check()
    await page.getByTestId('config-diff').waitFor()
    const changed = await page.locator('[data-testid=config-diff] tr[data-status=changed]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')))
    expect(changed).toEqual(['training.learningRate', 'training.steps'])
    expect(await page.locator('[data-testid=config-diff] tr[data-path="training.learningRate"]').textContent()).toMatch(new RegExp(`${BACKBONE_TRAINING_DEFAULTS.learningRate}\\s*0\\.003`))
    expect(await page.getByTestId('diff-counts').textContent()).toMatch(/^\s*2 changed · 0 added · 0 removed · \d+ the same/)
    expect(await lossChart().getAttribute('data-series')).toBe('2')
    await waitForPoints(STEPS + 6)
    await screenshot(page, 'runs-5-overlay-and-diff')

    // Provenance: the teacher was built from backbone A; the link opens A, whose "used by" lists the teacher.
    await page.getByRole('button', { name: 'Clear selection' }).click()
    await row('teacher QA').getByRole('button', { name: 'teacher QA' }).click()
    const links = page.getByTestId('provenance')
    expect(await links.textContent()).toContain(`folder ${SAMPLE}`)
    await links.getByRole('link', { name: /^backbone A \(backbone, completed\)$/ }).click()
    await waitForHash(page, `#/runs/${backboneA}`)
    await page.locator(`[data-testid=run-detail][data-run-id="${backboneA}"]`).waitFor()
    expect(await page.getByTestId('children').textContent()).toContain('teacher QA (teacher, completed)')
    await screenshot(page, 'runs-6-provenance')

    await page.keyboard.press('Alt+6')
    await page.getByText('Dark', { exact: true }).click()
    await waitForTheme(page, 'dark')
    await page.keyboard.press('Alt+2')
    await page.locator('[data-testid=loss-chart]').first().waitFor()
    await screenshot(page, 'runs-7-dark')
    expect(pageErrors).toEqual([])
  })
})
