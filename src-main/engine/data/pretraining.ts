/**
 * Pretraining examples built from a dataset's own text, on token ids:
 *
 *  - the unlabeled corpus: the texts of a dataset (definitions, examples, instance inputs and references);
 *  - hypernetwork pretraining (tagi-method.md §3.2, HINT's procedure): split a token sequence t of length n
 *    into a = t[:s1] (hypernetwork input), b = t[s1:s2] (encoder input, may be empty), c = t[s2:] (target),
 *    s1 ~ UniformInt[1, n-2), s2 ~ UniformInt[s1, n-2), EOS appended to each part;
 *  - backbone pretraining (decisions.md §2, standing in for T5-LM-adapt): T5 span corruption, as
 *    `t5.data.preprocessors.span_corruption` (random_spans_noise_mask: 15% noise, mean span 3; noise
 *    spans replaced by sentinels in the inputs, non-noise spans in the targets), and prefix LM (split at a
 *    uniform point: inputs = the prefix, targets = the rest).
 *
 * Token ids come without EOS; each builder appends `eosId` itself. Every draw uses the given Rng, so the
 * examples are reproducible from a seed.
 */
import type { Rng } from './random.ts'
import { tasksOf, type SniDataset } from './sni/loader.ts'
import type { SniTask } from './sni/task.ts'

/**
 * The distinct texts of some tasks, in a stable order: each task's definition, example inputs and outputs,
 * then instance inputs and references. Empty strings are dropped.
 */
export function corpusFromTasks(tasks: SniTask[]): string[] {
  const seen = new Set<string>()
  const texts: string[] = []
  const add = (text: string): void => {
    const trimmed = text.trim()
    if (trimmed && !seen.has(trimmed)) {
      seen.add(trimmed)
      texts.push(trimmed)
    }
  }
  for (const task of tasks) {
    task.definition.forEach(add)
    for (const example of [...task.positiveExamples, ...task.negativeExamples]) {
      add(example.input)
      add(example.output)
    }
    for (const instance of task.instances) {
      add(instance.input)
      instance.output.forEach(add)
    }
  }
  return texts
}

/**
 * A dataset's pretraining corpus. With a split, only training tasks are used by default: held-out tasks'
 * texts must stay unseen for the zero-shot evaluation to mean anything.
 */
export function datasetCorpus(dataset: SniDataset, options: { includeTestTasks?: boolean } = {}): string[] {
  const tasks = dataset.splits && !options.includeTestTasks ? tasksOf(dataset, 'train') : dataset.tasks
  return corpusFromTasks(tasks)
}

// ---------------------------------------------------------------- hypernetwork pretraining: a | b | c

export interface AbcConfig {
  eosId: number
  /** The sequence is cut to this many tokens before splitting: 1024 in the paper's pretraining. */
  maxSequenceTokens: number
  /** Each part, EOS included, is capped at this many tokens: HINT caps parts at 512. */
  maxPartTokens: number
}

export interface AbcExample {
  /** a: the hypernetwork's input (generates the adapter; also the fusion states). */
  hyperInput: number[]
  /** b: the backbone encoder's input (just EOS when the draw made it empty). */
  encoderInput: number[]
  /** c: the decoder target. */
  target: number[]
}

/** Shortest sequence that has a valid split: s1 needs [1, n-2) to be non-empty. */
export const ABC_MIN_TOKENS = 4

export function splitAbc(tokens: readonly number[], rng: Rng, config: AbcConfig): AbcExample {
  const t = tokens.slice(0, config.maxSequenceTokens)
  const n = t.length
  if (n < ABC_MIN_TOKENS) throw new Error(`splitAbc: need at least ${ABC_MIN_TOKENS} tokens, found ${n}`)
  // Two independent draws (HINT reused one seed for both; that correlation is not reproduced).
  const s1 = rng.int(1, n - 2)
  const s2 = rng.int(s1, n - 2)
  const part = (ids: number[]): number[] => [...ids.slice(0, config.maxPartTokens - 1), config.eosId]
  return { hyperInput: part(t.slice(0, s1)), encoderInput: part(t.slice(s1, s2)), target: part(t.slice(s2)) }
}

// ---------------------------------------------------------------- backbone pretraining: span corruption

export interface SpanCorruptionConfig {
  eosId: number
  /** Sentinel id for span i = 0, 1, ... (T5: <extra_id_i> = vocab_size - 1 - i). */
  sentinelId: (i: number) => number
  /** Fraction of tokens masked: 0.15 (T5). */
  noiseDensity: number
  /** Mean length of a masked span: 3 (T5). */
  meanNoiseSpanLength: number
}

/** numpy's round (half to even), which T5 uses for the noise and span counts: round(4.5) = 4. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x)
  const diff = x - floor
  if (diff > 0.5) return floor + 1
  if (diff < 0.5) return floor
  return floor % 2 === 0 ? floor : floor + 1
}

/** Split numItems into numSegments non-empty runs at uniformly random cut points (T5 `_random_segmentation`). */
function randomSegmentation(numItems: number, numSegments: number, rng: Rng): number[] {
  const cuts = rng.sample(Array.from({ length: numItems - 1 }, (_, i) => i + 1), numSegments - 1).sort((a, b) => a - b)
  const bounds = [0, ...cuts, numItems]
  return bounds.slice(1).map((end, i) => end - bounds[i]!)
}

/**
 * T5's random_spans_noise_mask: true = noise. Spans alternate non-noise, noise, ..., starting with
 * non-noise and ending with noise, so the last input token is always a sentinel.
 */
export function randomSpansNoiseMask(length: number, rng: Rng, noiseDensity: number, meanNoiseSpanLength: number): boolean[] {
  if (length < 2) throw new Error(`span corruption: need at least 2 tokens, found ${length}`)
  if (!(noiseDensity > 0 && noiseDensity < 1)) throw new Error(`noiseDensity must be in (0, 1), found ${noiseDensity}`)
  if (!(meanNoiseSpanLength >= 1)) throw new Error(`meanNoiseSpanLength must be >= 1, found ${meanNoiseSpanLength}`)
  const numNoise = Math.min(Math.max(roundHalfEven(length * noiseDensity), 1), length - 1)
  // T5 keeps at least one span; capping by the non-noise count keeps every run non-empty at high densities.
  const numSpans = Math.min(Math.max(roundHalfEven(numNoise / meanNoiseSpanLength), 1), length - numNoise)
  const noiseLengths = randomSegmentation(numNoise, numSpans, rng)
  const keepLengths = randomSegmentation(length - numNoise, numSpans, rng)
  const mask: boolean[] = []
  for (let i = 0; i < numSpans; i++) {
    for (let k = 0; k < keepLengths[i]!; k++) mask.push(false)
    for (let k = 0; k < noiseLengths[i]!; k++) mask.push(true)
  }
  return mask
}

export interface Seq2SeqIds {
  inputs: number[]
  targets: number[]
}

/** Each run of tokens where mask == replaced becomes one sentinel, numbered in order (T5 noise_span_to_unique_sentinel). */
function replaceRuns(tokens: readonly number[], mask: boolean[], replaced: boolean, sentinelId: (i: number) => number): number[] {
  const out: number[] = []
  let sentinel = 0
  for (let i = 0; i < tokens.length; i++) {
    if (mask[i] !== replaced) out.push(tokens[i]!)
    else if (i === 0 || mask[i - 1] !== replaced) out.push(sentinelId(sentinel++))
  }
  return out
}

export function spanCorrupt(tokens: readonly number[], rng: Rng, config: SpanCorruptionConfig): Seq2SeqIds {
  const mask = randomSpansNoiseMask(tokens.length, rng, config.noiseDensity, config.meanNoiseSpanLength)
  return {
    inputs: [...replaceRuns(tokens, mask, true, config.sentinelId), config.eosId],
    targets: [...replaceRuns(tokens, mask, false, config.sentinelId), config.eosId],
  }
}

/** Prefix LM: split at s ~ UniformInt[1, n) so both sides are non-empty; inputs = t[:s], targets = t[s:]. */
export function prefixLm(tokens: readonly number[], rng: Rng, config: { eosId: number }): Seq2SeqIds {
  if (tokens.length < 2) throw new Error(`prefix LM: need at least 2 tokens, found ${tokens.length}`)
  const split = rng.int(1, tokens.length)
  return { inputs: [...tokens.slice(0, split), config.eosId], targets: [...tokens.slice(split), config.eosId] }
}

export const DEFAULT_SPAN_CORRUPTION = { noiseDensity: 0.15, meanNoiseSpanLength: 3 } as const
export const DEFAULT_ABC = { maxSequenceTokens: 1024, maxPartTokens: 512 } as const
