// Loading hand-made tokenizer.json files in the exact HF schema, with ids derived by hand:
// Unigram (laid out as t5-small's file: Precompiled normalizer, WhitespaceSplit + Metaspace, TemplateProcessing
// appending </s>, <extra_id_N> added tokens) by Viterbi best path, BPE by merge rank. The Unigram file carries
// a real nmt_nfkc precompiled_charsmap (T5's normalization, built by SentencePiece 0.1.97), and both files
// were checked against HF `tokenizers` 0.23.2 (Rust): identical ids and decodes for every text used below.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'
import { describe, expect, it } from 'vitest'
import { loadTokenizer, tokenizerFromJson } from '../../../src-main/engine/tokenizers/index.ts'

const FIXTURES = resolve(__dirname, 'fixtures')
const T5_DIR = join(FIXTURES, 't5-unigram')
const T5_FILE = join(T5_DIR, 'tokenizer.json')
const BPE_FILE = join(FIXTURES, 'bpe-metaspace.json')
const readJson = (path: string): Record<string, any> => JSON.parse(readFileSync(path, 'utf8'))

describe('T5-style Unigram tokenizer.json', () => {
  it('loads from a folder and reads the T5 special ids', async () => {
    const tok = await loadTokenizer(T5_DIR)
    expect([tok.vocabSize, tok.padId, tok.eosId, tok.unkId, tok.decoderStartId]).toEqual([23, 0, 1, 2, 0])
    expect(tok.numSentinels).toBe(3)
    expect([tok.sentinelId(0), tok.sentinelId(1), tok.sentinelId(2)]).toEqual([22, 21, 20])
    expect(() => tok.sentinelId(3)).toThrow(/no sentinel <extra_id_3>.*has 3/)
    expect(tok.idToToken(16)).toBe('▁The')
    expect(tok.tokenToId('▁mat')).toBe(19)
  })

  it('encodes by Viterbi best path, not greedy longest match, and appends </s>', async () => {
    const tok = await loadTokenizer(T5_FILE)
    // ▁cat: ▁cat = -10 loses to ▁c + at = -9.2 (and ▁ + c + at = -10.7); ▁sat = -7 beats ▁s + at = -10.2;
    // ▁mat. = ▁mat + . (-11); ▁The = -3.5 beats ▁ + <unk> + h + e.
    expect(tok.encode('The cat sat on the mat.')).toEqual([16, 5, 6, 10, 18, 4, 19, 17, 1])
    expect(tok.encode('The cat sat on the mat.', { addEos: false })).toEqual([16, 5, 6, 10, 18, 4, 19, 17])
  })

  it('fuses a run of unknown characters into one <unk>, as HF Unigram does', async () => {
    const tok = await loadTokenizer(T5_FILE)
    expect(tok.encode('The zzz cat')).toEqual([16, 3, 2, 5, 6, 1])
  })

  it('matches sentinels in the raw text and normalizes whitespace and full-width forms (nmt_nfkc)', async () => {
    const tok = await loadTokenizer(T5_FILE)
    expect(tok.encode('The <extra_id_0> sat <extra_id_2>')).toEqual([16, 22, 10, 20, 1])
    expect(tok.encode('  The\tcat\n  sat  ')).toEqual([16, 5, 6, 10, 1])
    expect(tok.encode('ｔｈｅ\u3000cat')).toEqual([4, 5, 6, 1])
  })

  it('agrees with the library applying the file’s own TemplateProcessing post-processor', async () => {
    const tok = await loadTokenizer(T5_FILE)
    const hf = new Tokenizer(readJson(T5_FILE), {})
    for (const text of ['The cat sat on the mat.', 'the <extra_id_1> cat', 'The zzz cat']) {
      expect(tok.encode(text)).toEqual(hf.encode(text).ids)
    }
  })

  it('decodes without ▁ markers; skips or keeps special tokens and sentinels as HF does', async () => {
    const tok = await loadTokenizer(T5_FILE)
    const ids = tok.encode('The cat sat on the mat.')
    expect(tok.decode(ids)).toBe('The cat sat on the mat.')
    expect(tok.decode(ids, { skipSpecialTokens: false })).toBe('The cat sat on the mat.</s>')
    expect(tok.decode([0, 16, 22, 10, 1])).toBe('The sat')
    expect(tok.decode([16, 22, 10, 1], { skipSpecialTokens: false })).toBe('The<extra_id_0> sat</s>')
    expect(tok.decode([])).toBe('')
    expect(() => tok.decode([23])).toThrow(/id 23 is outside the vocabulary.*0\.\.22/)
    expect(() => tok.decode([1.5])).toThrow(/id 1.5/)
  })

  it('reads a legacy Metaspace add_prefix_space=false as "never prepend"', () => {
    const json = readJson(T5_FILE)
    json.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: false }
    const tok = tokenizerFromJson(json, 'legacy.json')
    // Without the prepended ▁, "the" is t + h + e instead of ▁the.
    expect(tok.encode('the', { addEos: false })).toEqual([11, 12, 13])
  })
})

describe('BPE tokenizer.json', () => {
  it('applies merges by rank: "w e" (rank 2) before "lo w" (rank 3)', async () => {
    const tok = await loadTokenizer(BPE_FILE)
    expect([tok.vocabSize, tok.padId, tok.eosId, tok.unkId, tok.numSentinels]).toEqual([21, 0, 1, 2, 0])
    // ▁lower: l o → e r → lo w → [▁, low, er] (no "▁ low" merge, so ▁lower is never reached)
    // ▁lowest: l o → w e → ▁ lo → [▁lo, we, s, t]; ▁slow: l o → lo w → [▁, s, low]; ▁lox: x is <unk>.
    expect(tok.encode('lower lowest slow lox')).toEqual([3, 15, 13, 16, 14, 10, 11, 3, 10, 15, 16, 2, 1])
    expect(tok.decode([3, 15, 13, 16, 14, 10, 11, 3, 10, 15])).toBe('lower lowest slow')
  })

  it('accepts merges as [left, right] pairs (tokenizers ≥ 0.20) with the same result', () => {
    const json = readJson(BPE_FILE)
    json.model.merges = json.model.merges.map((m: string) => m.split(' '))
    expect(tokenizerFromJson(json, 'pairs.json').encode('lower lowest', { addEos: false })).toEqual([3, 15, 13, 16, 14, 10, 11])
  })
})

describe('bad tokenizer.json', () => {
  it('refuses an unsupported model and names the model type and the file', async () => {
    const file = join(FIXTURES, 'wordpiece-bert.json')
    await expect(loadTokenizer(file)).rejects.toThrow(`${file}: unsupported tokenizer model type "WordPiece"; supported: Unigram, BPE`)
  })

  it('refuses a missing model.type, naming the key and the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tagi-tok-'))
    const json = readJson(T5_FILE)
    delete json.model.type
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json))
    await expect(loadTokenizer(dir)).rejects.toThrow(`${join(dir, 'tokenizer.json')}: model.type is missing`)
  })

  it('names the problem for malformed files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tagi-tok-'))
    writeFileSync(join(dir, 'broken.json'), '{"model": ')
    await expect(loadTokenizer(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json: not valid JSON/)
    await expect(loadTokenizer(dir)).rejects.toThrow(`no tokenizer.json in folder ${dir}`)
    await expect(loadTokenizer(join(dir, 'absent'))).rejects.toThrow('no such file or folder')

    const badPiece = readJson(T5_FILE)
    badPiece.model.vocab[5] = ['▁c']
    expect(() => tokenizerFromJson(badPiece, 'x.json')).toThrow('x.json: model.vocab[5] must be [piece: string, score: number], found ["▁c"]')
    const badUnk = readJson(T5_FILE)
    badUnk.model.unk_id = 99
    expect(() => tokenizerFromJson(badUnk, 'x.json')).toThrow('model.unk_id must be an id in 0..22 or null, found 99')
    const prefixed = readJson(BPE_FILE)
    prefixed.model.continuing_subword_prefix = '##'
    expect(() => tokenizerFromJson(prefixed, 'x.json')).toThrow('model.continuing_subword_prefix ("##") is not supported')
    const badMerge = readJson(BPE_FILE)
    badMerge.model.merges[1] = 'e'
    expect(() => tokenizerFromJson(badMerge, 'x.json')).toThrow('model.merges[1] must be "left right" or ["left", "right"], found "e"')
    const unknownNormalizer = readJson(T5_FILE)
    unknownNormalizer.normalizer = { type: 'Fancy' }
    expect(() => tokenizerFromJson(unknownNormalizer, 'x.json')).toThrow('x.json: Unknown Normalizer type: Fancy')
    const noEos = readJson(BPE_FILE)
    delete noEos.model.vocab['</s>']
    noEos.added_tokens = noEos.added_tokens.filter((t: { content: string }) => t.content !== '</s>')
    expect(() => tokenizerFromJson(noEos, 'x.json')).toThrow('x.json: no end-of-sequence token: "</s>" is not in the vocabulary')
  })
})
