/**
 * TextTokenizer: the one tokenizer interface the engine uses, over a Hugging Face tokenizer.json.
 *
 * Encoding and decoding are done by @huggingface/tokenizers (the pure-JS port of HF `tokenizers` that
 * transformers.js uses), which implements the pieces T5 needs: Unigram Viterbi with fused <unk>, BPE merges
 * by rank, Metaspace, WhitespaceSplit, added tokens matched in the raw text, the Metaspace decoder. Two T5
 * rules are applied here rather than by the file's post-processor: EOS is appended after the text (T5's
 * TemplateProcessing is exactly `$A </s>`, and the models of this project are T5s whatever the file says),
 * and the pad id doubles as the decoder start id. Decoding never applies transformers' English
 * "clean_up_tokenization_spaces" (it is not part of tokenizer.json and would break round trips).
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'
import { writeJsonAtomic } from '../store/atomic.ts'
import { EOS_TOKEN, PAD_TOKEN, UNK_TOKEN, sentinelToken } from './t5-conventions.ts'

export interface EncodeOptions {
  /** Append the EOS id, as T5 does for every encoder input and target (default true). */
  addEos?: boolean
}

export interface DecodeOptions {
  /** Drop pad, EOS, unk and sentinel tokens, as HF's skip_special_tokens (default true). */
  skipSpecialTokens?: boolean
}

export interface TextTokenizer {
  readonly vocabSize: number
  readonly padId: number
  readonly eosId: number
  /** -1 when the tokenizer has no unknown token (a byte-level BPE never needs one). */
  readonly unkId: number
  /** T5 starts decoding from the pad id. */
  readonly decoderStartId: number
  readonly numSentinels: number
  encode(text: string, opts?: EncodeOptions): number[]
  decode(ids: number[], opts?: DecodeOptions): string
  idToToken(id: number): string | undefined
  tokenToId(token: string): number | undefined
  /** Id of `<extra_id_i>`; throws if the tokenizer has no such sentinel. */
  sentinelId(i: number): number
  /** The tokenizer.json object. */
  toJSON(): object
  /** Atomic write of tokenizer.json to `path` (a file, or an existing folder to hold tokenizer.json). */
  save(path: string): void
}

/** A parsed JSON object. */
type JsonObject = Record<string, unknown>

export class HfTextTokenizer implements TextTokenizer {
  readonly vocabSize: number
  readonly padId: number
  readonly eosId: number
  readonly unkId: number
  readonly decoderStartId: number
  readonly numSentinels: number
  private readonly hf: Tokenizer
  private readonly json: JsonObject

  /**
   * `json` is the tokenizer.json as read (kept for toJSON/save); `libraryJson` the validated copy adapted
   * for @huggingface/tokenizers (load.ts); `source` names the file in errors.
   */
  constructor(json: JsonObject, libraryJson: JsonObject, source: string) {
    this.json = json
    try {
      this.hf = new Tokenizer(libraryJson, { clean_up_tokenization_spaces: false })
    } catch (error) {
      throw new Error(`${source}: ${(error as Error).message}`)
    }
    let maxId = -1
    for (const id of this.hf.get_vocab(true).values()) maxId = Math.max(maxId, id)
    this.vocabSize = maxId + 1
    this.eosId = this.requireId(this.eosToken(), 'end-of-sequence', source)
    this.padId = this.requireId(this.padToken(), 'padding', source)
    this.decoderStartId = this.padId
    this.unkId = this.unkToken() === undefined ? -1 : this.requireId(this.unkToken() as string, 'unknown', source)
    let sentinels = 0
    while (this.tokenToId(sentinelToken(sentinels)) !== undefined) sentinels++
    this.numSentinels = sentinels
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new Error(`encode: text must be a string, found ${typeof text}`)
    const { ids, tokens } = this.hf.encode(text, { add_special_tokens: false })
    const missing = ids.findIndex((id) => id === undefined)
    if (missing >= 0) throw new Error(`encode: token ${JSON.stringify(tokens[missing])} is not in the vocabulary and the tokenizer has no <unk>`)
    return (opts.addEos ?? true) ? [...ids, this.eosId] : ids
  }

  decode(ids: number[], opts: DecodeOptions = {}): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(`decode: id ${id} is outside the vocabulary (expected an integer in 0..${this.vocabSize - 1})`)
      }
    }
    // The library rejects an empty list; HF returns ''.
    if (ids.length === 0) return ''
    return this.hf.decode(ids, { skip_special_tokens: opts.skipSpecialTokens ?? true, clean_up_tokenization_spaces: false })
  }

  idToToken(id: number): string | undefined {
    return this.hf.id_to_token(id)
  }

  tokenToId(token: string): number | undefined {
    return this.hf.token_to_id(token)
  }

  sentinelId(i: number): number {
    const id = Number.isInteger(i) && i >= 0 ? this.tokenToId(sentinelToken(i)) : undefined
    if (id === undefined) throw new Error(`sentinelId: no sentinel ${sentinelToken(i)} (this tokenizer has ${this.numSentinels}: <extra_id_0>..<extra_id_${this.numSentinels - 1}>)`)
    return id
  }

  toJSON(): object {
    return structuredClone(this.json)
  }

  save(path: string): void {
    const isFolder = statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false
    writeJsonAtomic(isFolder ? join(path, 'tokenizer.json') : path, this.json)
  }

  /** The token the post-processor appends (T5: `</s>`), else `</s>`. */
  private eosToken(): string {
    const post = this.json.post_processor as JsonObject | null | undefined
    const single = post?.type === 'TemplateProcessing' ? (post.single as JsonObject[] | undefined) : undefined
    const last = single?.[single.length - 1]?.SpecialToken as { id?: unknown } | undefined
    return typeof last?.id === 'string' ? last.id : EOS_TOKEN
  }

  /** `<pad>`, else the pad token of the file's padding section. */
  private padToken(): string {
    const padding = this.json.padding as JsonObject | null | undefined
    if (this.tokenToId(PAD_TOKEN) === undefined && typeof padding?.pad_token === 'string') return padding.pad_token
    return PAD_TOKEN
  }

  /** The model's own unknown token (Unigram unk_id, BPE unk_token), else `<unk>` if present. */
  private unkToken(): string | undefined {
    const model = this.json.model as JsonObject
    if (typeof model.unk_id === 'number') return this.idToToken(model.unk_id)
    if (typeof model.unk_token === 'string') return model.unk_token
    return this.tokenToId(UNK_TOKEN) === undefined ? undefined : UNK_TOKEN
  }

  private requireId(token: string, role: string, source: string): number {
    const id = this.tokenToId(token)
    if (id === undefined) throw new Error(`${source}: no ${role} token: ${JSON.stringify(token)} is not in the vocabulary`)
    return id
  }
}
