/**
 * ROUGE-L exactly as the SNI evaluation computes it (allenai/natural-instructions
 * `eval/automatic/evaluation.py`, also Tk-Instruct's and TAGI's `compute_metrics.py`): Google's rouge_score
 * `RougeScorer(["rougeL"], use_stemmer=True)`, the F-measure, maximum over references, micro-averaged over
 * instances and multiplied by 100 (tagi-method.md §6.1).
 *
 * Why our own: js-rouge tokenizes differently, is case-sensitive, does not stem and gives NaN on empty input
 * (environment.md §7). Here rouge_score's DefaultTokenizer and `_score_lcs` are followed line by line.
 */
import { porterStem } from './porter-stemmer.ts'

/** rouge_score tokenize.py: NON_ALPHANUM_RE = [^a-z0-9]+, SPACES_RE = \s+, VALID_TOKEN_RE = ^[a-z0-9]+$. */
const NON_ALPHANUMERIC = /[^a-z0-9]+/g
const VALID_TOKEN = /^[a-z0-9]+$/

/**
 * rouge_score's default tokenizer with stemming: lower-case, every run of characters outside a-z0-9 becomes a
 * space, split on whitespace, Porter-stem tokens longer than 3 characters, drop empty tokens.
 */
export function rougeTokenize(text: string): string[] {
  const spaced = text.toLowerCase().replace(NON_ALPHANUMERIC, ' ')
  return spaced
    .split(' ')
    .map((token) => (token.length > 3 ? porterStem(token) : token))
    .filter((token) => VALID_TOKEN.test(token))
}

/** Length of the longest common subsequence of two token lists (rouge_score `_lcs_table`, one row kept). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  // previous[j] = LCS of a[0..i) and b[0..j); only two rows are needed for the length.
  let previous = new Array<number>(b.length + 1).fill(0)
  let current = new Array<number>(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!)
    }
    ;[previous, current] = [current, previous]
  }
  return previous[b.length]!
}

export interface RougeLScore {
  precision: number
  recall: number
  fmeasure: number
}

/** Sentence-level ROUGE-L between token lists; all zero when either side has no tokens (rouge_score `_score_lcs`). */
export function rougeLFromTokens(target: readonly string[], prediction: readonly string[]): RougeLScore {
  if (target.length === 0 || prediction.length === 0) return { precision: 0, recall: 0, fmeasure: 0 }
  const lcs = lcsLength(target, prediction)
  const precision = lcs / prediction.length
  const recall = lcs / target.length
  // rouge_score scoring.fmeasure: 2PR/(P+R), 0 when P+R is 0.
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
  return { precision, recall, fmeasure }
}

/** ROUGE-L F-measure of one prediction against one reference. */
export function rougeL(prediction: string, reference: string): number {
  return rougeLFromTokens(rougeTokenize(reference), rougeTokenize(prediction)).fmeasure
}

/** SNI's per-instance score: the maximum ROUGE-L F over the references (0 when there are none). */
export function rougeLMaxOverReferences(prediction: string, references: readonly string[]): number {
  const predictionTokens = rougeTokenize(prediction)
  let best = 0
  for (const reference of references) {
    best = Math.max(best, rougeLFromTokens(rougeTokenize(reference), predictionTokens).fmeasure)
  }
  return best
}
