// The trained T5-style tokenizer: exact vocabulary size, T5's special and sentinel ids, save → load,
// encode → decode round trips on SNI text, determinism, and clear errors.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadTokenizer, trainTokenizer, type TextTokenizer } from '../../../src-main/engine/tokenizers/index.ts'

const SNI = resolve(__dirname, '../../../../shared/data/sni')

interface SniTask {
  Definition: string[]
  Instances: { input: string; output: string[] }[]
}

function readTasks(dir: string): SniTask[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SniTask)
}

const taskTexts = (task: SniTask): string[] => [...task.Definition, ...task.Instances.flatMap((i) => [i.input, ...i.output])]
/** What T5's pipeline keeps of a text: NFKC, whitespace runs as one space, no leading or trailing space. */
const t5Normalized = (text: string): string => text.normalize('NFKC').trim().split(/\s+/).join(' ')

describe('trainTokenizer on the SNI sample', () => {
  const tasks = readTasks(join(SNI, 'sample/train'))
  const texts = tasks.flatMap(taskTexts)
  let tok: TextTokenizer

  beforeAll(() => {
    tok = trainTokenizer(texts, { vocabSize: 500 })
  })

  it('has exactly the vocabulary size, <pad> 0 </s> 1 <unk> 2, sentinels at the end', () => {
    expect(tok.vocabSize).toBe(500)
    expect((tok.toJSON() as { model: { vocab: unknown[] } }).model.vocab).toHaveLength(500)
    expect([tok.padId, tok.eosId, tok.unkId, tok.decoderStartId]).toEqual([0, 1, 2, 0])
    expect([tok.idToToken(0), tok.idToToken(1), tok.idToToken(2)]).toEqual(['<pad>', '</s>', '<unk>'])
    // Default sentinels for a 500 vocab: min(100, 500 / 20) = 25, <extra_id_0> with the highest id.
    expect(tok.numSentinels).toBe(25)
    expect(tok.sentinelId(0)).toBe(499)
    expect(tok.sentinelId(24)).toBe(475)
    expect(tok.idToToken(475)).toBe('<extra_id_24>')
    expect(tok.idToToken(474)?.startsWith('<extra_id')).toBe(false)
    const tokens = Array.from({ length: 500 }, (_, id) => tok.idToToken(id))
    expect(new Set(tokens).size).toBe(500)
  })

  it('appends EOS and round-trips every definition through encode → decode', () => {
    for (const task of tasks) {
      for (const definition of task.Definition) {
        const ids = tok.encode(definition)
        expect(ids.at(-1)).toBe(1)
        expect(ids.slice(0, -1)).not.toContain(tok.unkId)
        expect(tok.decode(ids)).toBe(t5Normalized(definition))
      }
    }
  })

  it('round-trips ASCII the corpus never showed, and keeps case', () => {
    const text = 'x = {a: 1, b: [2, 3]} | ~Z ^ `q` @ #HASH & 100% \\ "quoted" <tag>'
    const ids = tok.encode(text, { addEos: false })
    expect(ids).not.toContain(tok.unkId)
    expect(tok.decode(ids)).toBe(text)
    expect(tok.encode('Capital')).not.toEqual(tok.encode('capital'))
  })

  it('uses learned multi-character pieces: frequent words cost fewer tokens than characters', () => {
    const definition = tasks[0].Definition[0]
    const length = tok.encode(definition, { addEos: false }).length
    expect(length).toBeLessThan(t5Normalized(definition).length / 2)
  })

  it('saves tokenizer.json atomically and loads back identical encodings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tagi-tok-'))
    tok.save(dir)
    const loaded = await loadTokenizer(join(dir, 'tokenizer.json'))
    expect(loaded.toJSON()).toEqual(tok.toJSON())
    expect([loaded.vocabSize, loaded.numSentinels, loaded.sentinelId(0)]).toEqual([500, 25, 499])
    for (const text of texts.slice(0, 60)) expect(loaded.encode(text)).toEqual(tok.encode(text))
    tok.save(join(dir, 'copy.json'))
    expect(readFileSync(join(dir, 'copy.json'), 'utf8')).toBe(readFileSync(join(dir, 'tokenizer.json'), 'utf8'))
  })

  it('is deterministic', () => {
    expect(trainTokenizer(texts, { vocabSize: 500 }).toJSON()).toEqual(tok.toJSON())
  })

  it('gives the exact size for other sizes and sentinel counts', () => {
    for (const [vocabSize, numSentinels] of [[300, 0], [401, 7], [700, 100]]) {
      const other = trainTokenizer(texts, { vocabSize, numSentinels })
      expect(other.vocabSize).toBe(vocabSize)
      expect(other.numSentinels).toBe(numSentinels)
      if (numSentinels > 0) expect(other.sentinelId(0)).toBe(vocabSize - 1)
      expect(other.decode(other.encode(texts[0]))).toBe(t5Normalized(texts[0]))
    }
  })

  it('rejects bad options with a message naming the problem', () => {
    expect(() => trainTokenizer(texts, { vocabSize: 500, sentinels: 3 } as never)).toThrow('unknown option "sentinels"')
    expect(() => trainTokenizer(texts, { vocabSize: 12.5 })).toThrow('vocabSize must be a positive integer, found 12.5')
    expect(() => trainTokenizer(texts, { vocabSize: 50, numSentinels: 0 })).toThrow(/47 learned pieces cannot hold the \d+ characters/)
    expect(() => trainTokenizer(['tiny corpus'], { vocabSize: 400 })).toThrow(/corpus yields only \d+ distinct pieces/)
    expect(() => trainTokenizer([], { vocabSize: 400 })).toThrow('no words')
    expect(() => trainTokenizer([42 as never], { vocabSize: 400 })).toThrow('texts must be strings, found number')
  })
})

describe('trainTokenizer at the from-scratch preset size', () => {
  it('trains a 2000-token vocabulary on ~1 MB of SNI text and round-trips it', () => {
    const texts: string[] = []
    let bytes = 0
    for (const task of readTasks(join(SNI, 'train'))) {
      for (const text of taskTexts(task)) {
        if (bytes > 1_000_000) break
        texts.push(text)
        bytes += text.length
      }
    }
    const started = performance.now()
    const tok = trainTokenizer(texts, { vocabSize: 2000 })
    const seconds = (performance.now() - started) / 1000
    expect(tok.vocabSize).toBe(2000)
    expect([tok.numSentinels, tok.sentinelId(0), tok.sentinelId(99)]).toEqual([100, 1999, 1900])
    // Generous bound for a shared 2-core machine; it trains in about a second when idle.
    expect(seconds).toBeLessThan(30)
    const ascii = texts.filter((t) => /^[\x20-\x7e\s]*$/.test(t)).slice(0, 300)
    for (const text of ascii) expect(tok.decode(tok.encode(text))).toBe(t5Normalized(text))
  })
})
