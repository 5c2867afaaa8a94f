/**
 * `tagi forward --model DIR [--adapter DIR] [--merge] --inputs FILE [--max-new-tokens N]`: run a T5
 * folder on explicit token ids and print ONE JSON object with `encoder_last_hidden_state`, `logits`,
 * `loss` and `greedy`, as shared/fixtures/t5/README.md defines them. FILE holds
 * `{ input_ids, attention_mask, decoder_input_ids?, labels? }` (or a whole expected.json, whose
 * `inputs` are used). Without decoder_input_ids they are the labels shifted right.
 */
import { readFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { BACKEND_PREFERENCES, initBackend, tf, type BackendPreference } from '../../engine/backend/index.ts'
import { T5Model } from '../../engine/models/t5/index.ts'
import { PeftAdapter, type LoraSet } from '../../engine/models/lora/index.ts'

interface ForwardInputs {
  input_ids: number[][]
  attention_mask?: number[][]
  decoder_input_ids?: number[][]
  labels?: number[][]
}

export function shiftRight(labels: number[][], startId: number, padId: number): number[][] {
  return labels.map((row) => [startId, ...row.slice(0, -1)].map((t) => (t === -100 ? padId : t)))
}

export async function loadModelAndAdapter(modelDir: string, adapterDir?: string, merge = false): Promise<{ model: T5Model; adapters?: LoraSet }> {
  const model = await T5Model.load(modelDir)
  if (!adapterDir) return { model }
  const adapter = PeftAdapter.load(adapterDir)
  adapter.checkAgainst(model.config)
  if (merge) {
    model.mergeAdapters(adapter.toLoraSet())
    return { model }
  }
  return { model, adapters: adapter.toLoraSet() }
}

export async function runForward(opts: { model: string; adapter?: string; merge?: boolean; inputs: string; maxNewTokens?: number }) {
  const raw = JSON.parse(readFileSync(opts.inputs, 'utf8')) as Record<string, unknown>
  const inputs = (raw.inputs ?? raw) as ForwardInputs
  if (!Array.isArray(inputs.input_ids)) throw new Error(`${opts.inputs}: 'input_ids' (a list of rows of token ids) is required`)
  const fileMax = (raw.base as { greedy_max_new_tokens?: number } | undefined)?.greedy_max_new_tokens
  const maxNewTokens = opts.maxNewTokens ?? fileMax ?? 20
  const { model, adapters } = await loadModelAndAdapter(opts.model, opts.adapter, opts.merge)
  const c = model.config
  const attention = inputs.attention_mask ?? inputs.input_ids.map((row) => row.map(() => 1))
  const decoderIds = inputs.decoder_input_ids ?? (inputs.labels ? shiftRight(inputs.labels, c.decoderStartTokenId, c.padTokenId) : null)
  const inputIds = tf.tensor2d(inputs.input_ids, undefined, 'int32')
  const attentionMask = tf.tensor2d(attention, undefined, 'int32')
  const result: Record<string, unknown> = {}
  if (decoderIds) {
    const out = model.forward(
      {
        inputIds,
        attentionMask,
        decoderInputIds: tf.tensor2d(decoderIds, undefined, 'int32'),
        labels: inputs.labels ? tf.tensor2d(inputs.labels, undefined, 'int32') : undefined,
      },
      { adapters },
    )
    result.encoder_last_hidden_state = out.encoderStates.arraySync()
    result.logits = out.logits.arraySync()
    result.loss = out.loss ? out.loss.dataSync()[0] : null
  } else {
    result.encoder_last_hidden_state = model.encode(inputIds, attentionMask, { adapters }).arraySync()
    result.logits = null
    result.loss = null
  }
  result.greedy = await model.generate({ inputIds, attentionMask }, { maxNewTokens, adapters })
  return result
}

export function register(program: Command): void {
  program
    .command('forward')
    .description('run a T5 folder on token ids; print encoder states, logits, loss and greedy tokens as JSON')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors)')
    .option('--adapter <dir>', 'PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors)')
    .option('--merge', 'merge the adapter into the weights instead of applying it at forward time')
    .requiredOption('--inputs <file>', 'JSON: { input_ids, attention_mask, decoder_input_ids?, labels? }')
    .option('--max-new-tokens <n>', 'greedy decoding length limit (default: the file\'s, else 20)', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--backend <preference>', 'compute backend').choices(BACKEND_PREFERENCES).default('auto'))
    .action(async (o: { model: string; adapter?: string; merge?: boolean; inputs: string; maxNewTokens?: number; backend: BackendPreference }) => {
      await initBackend(o.backend)
      const result = await runForward(o)
      process.stdout.write(JSON.stringify(result) + '\n')
    })
}
