/**
 * Reads and checks a Hugging Face tokenizer.json (schema of HF `tokenizers` ≥ 0.10, "version": "1.0") and
 * builds a TextTokenizer from it.
 *
 * Supported models: Unigram (T5, as converted from SentencePiece) and BPE. Anything else, a missing
 * model.type, or a model option that @huggingface/tokenizers would silently ignore (Unigram byte_fallback,
 * BPE continuing_subword_prefix) is refused with an error that names the file and the key, so that a
 * tokenizer never encodes differently from HF without saying so. Reading is lenient otherwise: unknown keys
 * are ignored and missing optional sections count as null, as in HF.
 *
 * Known approximation, inherited from the library: a `Precompiled` normalizer is applied as SentencePiece's
 * nmt_nfkc map (control characters dropped, Unicode spaces to ' ', then NFKC) without reading the charsmap
 * blob. That is the map T5's spiece.model carries, so T5 files normalize as in HF.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { HfTextTokenizer, type TextTokenizer } from './text-tokenizer.ts'

type JsonObject = Record<string, unknown>

export const SUPPORTED_MODELS = ['Unigram', 'BPE'] as const

/** Loads `path`, a tokenizer.json file or a folder holding one (an HF checkpoint folder). */
export async function loadTokenizer(pathOrDir: string): Promise<TextTokenizer> {
  const info = await stat(pathOrDir).catch(() => undefined)
  if (info === undefined) throw new Error(`loadTokenizer: no such file or folder: ${pathOrDir}`)
  const file = info.isDirectory() ? join(pathOrDir, 'tokenizer.json') : pathOrDir
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new Error(`loadTokenizer: no tokenizer.json in folder ${pathOrDir}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`)
  }
  return tokenizerFromJson(json, file)
}

/** Builds a tokenizer from a parsed tokenizer.json object; `source` names it in errors. */
export function tokenizerFromJson(json: unknown, source: string): TextTokenizer {
  if (!isObject(json)) throw new Error(`${source}: a tokenizer.json must be a JSON object, found ${describe(json)}`)
  const model = json.model
  if (!isObject(model)) throw new Error(`${source}: "model" must be an object, found ${describe(model)}`)
  if (model.type === undefined) {
    throw new Error(`${source}: model.type is missing; supported tokenizer models: ${SUPPORTED_MODELS.join(', ')}`)
  }
  if (model.type === 'Unigram') checkUnigram(model, source)
  else if (model.type === 'BPE') checkBpe(model, source)
  else throw new Error(`${source}: unsupported tokenizer model type ${JSON.stringify(model.type)}; supported: ${SUPPORTED_MODELS.join(', ')}`)
  checkAddedTokens(json.added_tokens, source)
  return new HfTextTokenizer(json, forLibrary(json), source)
}

function checkUnigram(model: JsonObject, source: string): void {
  const vocab = model.vocab
  if (!Array.isArray(vocab) || vocab.length === 0) throw new Error(`${source}: model.vocab of a Unigram model must be a non-empty array of [piece, score], found ${describe(vocab)}`)
  vocab.forEach((entry, i) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !Number.isFinite(entry[1])) {
      throw new Error(`${source}: model.vocab[${i}] must be [piece: string, score: number], found ${JSON.stringify(entry)}`)
    }
  })
  const unk = model.unk_id
  if (unk !== undefined && unk !== null && !(Number.isInteger(unk) && (unk as number) >= 0 && (unk as number) < vocab.length)) {
    throw new Error(`${source}: model.unk_id must be an id in 0..${vocab.length - 1} or null, found ${JSON.stringify(unk)}`)
  }
  if (model.byte_fallback === true) throw new Error(`${source}: model.byte_fallback = true is not supported for Unigram models`)
}

function checkBpe(model: JsonObject, source: string): void {
  const vocab = model.vocab
  if (!isObject(vocab)) throw new Error(`${source}: model.vocab of a BPE model must be an object {token: id}, found ${describe(vocab)}`)
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) throw new Error(`${source}: model.vocab[${JSON.stringify(token)}] must be a non-negative integer id, found ${JSON.stringify(id)}`)
  }
  const merges = model.merges
  if (!Array.isArray(merges)) throw new Error(`${source}: model.merges of a BPE model must be an array, found ${describe(merges)}`)
  merges.forEach((merge, i) => {
    const pair = typeof merge === 'string' ? merge.split(' ') : merge
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((part) => typeof part !== 'string' || part === '')) {
      throw new Error(`${source}: model.merges[${i}] must be "left right" or ["left", "right"], found ${JSON.stringify(merge)}`)
    }
  })
  if (model.continuing_subword_prefix !== undefined && model.continuing_subword_prefix !== null) {
    throw new Error(`${source}: model.continuing_subword_prefix (${JSON.stringify(model.continuing_subword_prefix)}) is not supported for BPE models`)
  }
}

function checkAddedTokens(added: unknown, source: string): void {
  if (added === undefined || added === null) return
  if (!Array.isArray(added)) throw new Error(`${source}: "added_tokens" must be an array, found ${describe(added)}`)
  added.forEach((token, i) => {
    if (!isObject(token) || !Number.isInteger(token.id) || typeof token.content !== 'string') {
      throw new Error(`${source}: added_tokens[${i}] must have an integer "id" and a string "content", found ${JSON.stringify(token)}`)
    }
  })
}

/**
 * The copy handed to the library: optional sections present (it requires the keys), and legacy Metaspace
 * `add_prefix_space` (files written before tokenizers 0.19) turned into the `prepend_scheme` it reads.
 */
function forLibrary(json: JsonObject): JsonObject {
  const copy = structuredClone(json)
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) copy[key] ??= null
  copy.added_tokens ??= []
  copy.pre_tokenizer = withPrependScheme(copy.pre_tokenizer)
  return copy
}

function withPrependScheme(pre: unknown): unknown {
  if (!isObject(pre)) return pre
  if (pre.type === 'Sequence' && Array.isArray(pre.pretokenizers)) return { ...pre, pretokenizers: pre.pretokenizers.map(withPrependScheme) }
  if (pre.type === 'Metaspace' && pre.prepend_scheme === undefined && typeof pre.add_prefix_space === 'boolean') {
    return { ...pre, prepend_scheme: pre.add_prefix_space ? 'always' : 'never' }
  }
  return pre
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return `an array of ${value.length}`
  return value === null ? 'null' : typeof value
}
