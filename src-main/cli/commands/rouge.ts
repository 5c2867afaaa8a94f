/**
 * `tagi rouge FILE`: score predictions with SNI's ROUGE-L (rouge_score tokenizer + NLTK Porter stemmer,
 * F-measure, max over references). FILE holds a JSON list of {prediction, references}; the command prints
 * `{"cases": [{"rougeL": …}, …], "mean_rougeL_x100": …}`.
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { rougeLMaxOverReferences } from '../../engine/eval/rouge.ts'

interface RougeCase {
  prediction: string
  references: string[]
}

/** Validate the file's shape, naming the offending entry and key. */
export function parseRougeCases(value: unknown, source: string): RougeCase[] {
  if (!Array.isArray(value)) throw new Error(`${source}: expected a JSON list of {prediction, references}, found ${typeName(value)}`)
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new Error(`${source}: entry ${i}: expected an object {prediction, references}, found ${typeName(entry)}`)
    }
    const { prediction, references } = entry as Record<string, unknown>
    if (typeof prediction !== 'string') throw new Error(`${source}: entry ${i}: key 'prediction': expected a string, found ${typeName(prediction)}`)
    if (!Array.isArray(references) || references.some((r) => typeof r !== 'string')) {
      throw new Error(`${source}: entry ${i}: key 'references': expected a list of strings, found ${typeName(references)}`)
    }
    if (references.length === 0) throw new Error(`${source}: entry ${i}: key 'references': expected at least one reference, found an empty list`)
    return { prediction, references: references as string[] }
  })
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return value.some((v) => typeof v !== 'string') ? 'a list with non-string items' : 'a list'
  return typeof value === 'undefined' ? 'nothing (missing)' : `a ${typeof value}`
}

export function register(program: Command): void {
  program
    .command('rouge')
    .description("score predictions with SNI's ROUGE-L (max over references); prints per-case scores and the mean × 100 as JSON")
    .argument('<file>', 'JSON list of {"prediction": string, "references": string[]}')
    .action((file: string) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'))
      } catch (error) {
        throw new Error(`${file}: cannot read a JSON list (${(error as Error).message})`)
      }
      const cases = parseRougeCases(parsed, file)
      const scores = cases.map((c) => rougeLMaxOverReferences(c.prediction, c.references))
      const mean = scores.length === 0 ? 0 : (100 * scores.reduce((a, b) => a + b, 0)) / scores.length
      process.stdout.write(JSON.stringify({ cases: scores.map((rougeL) => ({ rougeL })), mean_rougeL_x100: mean }) + '\n')
    })
}
