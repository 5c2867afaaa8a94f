/**
 * `tagi generate --model DIR [--adapter DIR] [--max-new-tokens N] "text"`: text in, text out, with the
 * model folder's tokenizer.json (EOS appended by the tokenizer) and greedy decoding.
 */
import { Command, Option } from 'commander'
import { BACKEND_PREFERENCES, initBackend, tf, type BackendPreference } from '../../engine/backend/index.ts'
import { loadTokenizer } from '../../engine/tokenizers/index.ts'
import { loadModelAndAdapter } from './forward.ts'

export async function generateText(opts: { model: string; adapter?: string; merge?: boolean; maxNewTokens: number; text: string }): Promise<string> {
  const tokenizer = await loadTokenizer(opts.model)
  const { model, adapters } = await loadModelAndAdapter(opts.model, opts.adapter, opts.merge)
  const ids = tokenizer.encode(opts.text)
  const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32')
  const attentionMask = tf.ones([1, ids.length], 'int32') as tf.Tensor2D
  const [tokens] = await model.generate({ inputIds, attentionMask }, { maxNewTokens: opts.maxNewTokens, adapters })
  tf.dispose([inputIds, attentionMask])
  model.dispose()
  return tokenizer.decode(tokens)
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('generate text with a T5 folder (its tokenizer.json) and an optional LoRA adapter, greedily')
    .argument('<text>', 'input text')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors + tokenizer.json)')
    .option('--adapter <dir>', 'PEFT LoRA adapter folder')
    .option('--merge', 'merge the adapter into the weights instead of applying it at forward time')
    .option('--max-new-tokens <n>', 'at most this many new tokens', (v) => Number.parseInt(v, 10), 64)
    .addOption(new Option('--backend <preference>', 'compute backend').choices(BACKEND_PREFERENCES).default('auto'))
    .action(async (text: string, o: { model: string; adapter?: string; merge?: boolean; maxNewTokens: number; backend: BackendPreference }) => {
      await initBackend(o.backend)
      process.stdout.write((await generateText({ ...o, text })) + '\n')
    })
}
