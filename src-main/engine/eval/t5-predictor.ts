/**
 * The T5 prediction source for the evaluation runner: greedy generation over SNI tasks, in batches of
 * instances sorted by length (so little of each batch is padding), for every baseline of TAGI's SNI tables
 * (tagi-method.md §7.1, §10.1 item 12):
 *
 *   input 'full-prompt', no adapter        backbone reading the teacher prompt (the meta-train baseline)
 *   input 'full-prompt', static LoRA       backbone + a teacher LoRA (decisions.md §1 point 4)
 *   input 'instance', no adapter           backbone alone (No-FT)
 *   input 'instance', hypernetwork source  TAGI: one generated adapter (+ fused instruction states) per task
 *
 * Prompts are the Tk-Instruct collator's (data/prompts.ts) with its token budget. FLOPs per task are
 * estimated from the model's shapes and the real token counts (flops.ts).
 */
import { buildStudentInput, buildTeacherPrompt, evaluationReferences, promptConfig, type PromptSettingName, type StudentInputMode } from '../data/prompts.ts'
import type { SniTask } from '../data/sni/task.ts'
import { SHARED_ADAPTER_MODES, type SharedAdapterMode } from '../models/lora/index.ts'
import type { PreparedTask, T5Model } from '../models/t5/index.ts'
import type { TextTokenizer } from '../tokenizers/index.ts'
import {
  checkTaskConditioning,
  conditioningForBatch,
  disposeBatchConditioning,
  disposeConditioning,
  extraMemoryLength,
  type AdapterSource,
  type TaskConditioning,
} from './conditioning.ts'
import { flopShapeFromT5Config, sequenceFlops } from './flops.ts'
import { encodeTruncated, padBatch, tokenCounterFor } from './model-io.ts'
import type { EvalTask, Predictor, TaskPredictions } from './runner.ts'
import { categoryKey } from './scores.ts'

const STUDENT_INPUT_MODES: readonly StudentInputMode[] = ['input', 'definition+input']

export const EVAL_INPUT_MODES = ['full-prompt', 'instance'] as const
/** 'full-prompt': the teacher's template with definition (+ examples); 'instance': the task-input part alone. */
export type EvalInputMode = (typeof EVAL_INPUT_MODES)[number]

export interface T5PredictorConfig {
  input: EvalInputMode
  setting: PromptSettingName
  /** What the encoder reads in 'instance' mode: the input alone (decisions.md §1 point 8) or definition + input (code). */
  studentInput: StudentInputMode
  /** Encoder input limit, prompt truncation included; 1024 as TAGI's SNI runs (tagi-method.md §5.1). */
  maxSourceTokens: number
  /** Generation limit (EOS included); 128 as TAGI's SNI target length. */
  maxNewTokens: number
  /** Instances generated together; larger batches amortise per-step overhead on the CPU. */
  batchSize: number
  /**
   * How a task's adapter is applied (models/lora/merge.ts): 'merged' into the weights once per task, with the
   * instruction's cross-attention keys/values computed once per task too, is the cheapest (bench
   * inference-cost); 'static' keeps it as a LoRA on 2-D matMuls; 'per-example' tiles adapter and memory to
   * every batch (the training-time path).
   */
  adapterMode: SharedAdapterMode
}

export const DEFAULT_T5_PREDICTOR_CONFIG: T5PredictorConfig = {
  input: 'full-prompt',
  setting: 'def',
  studentInput: 'input',
  maxSourceTokens: 1024,
  maxNewTokens: 128,
  batchSize: 16,
  adapterMode: 'merged',
}

/** SNI tasks as the runner sees them: category key, and every reference of each instance. */
export function evalTasksFromSni(tasks: readonly SniTask[], instancesPerTask?: number): EvalTask<SniTask>[] {
  return tasks.map((task) => ({
    name: task.name,
    category: categoryKey(task.categories),
    source: task,
    instances: task.instances
      .slice(0, instancesPerTask ?? task.instances.length)
      .map((instance) => ({ id: instance.id, input: instance.input, references: evaluationReferences(instance) })),
  }))
}

export class T5Predictor implements Predictor<SniTask> {
  readonly config: T5PredictorConfig

  constructor(
    private readonly model: T5Model,
    private readonly tokenizer: TextTokenizer,
    config: Partial<T5PredictorConfig> = {},
    private readonly adapterSource?: AdapterSource<SniTask>,
  ) {
    this.config = { ...DEFAULT_T5_PREDICTOR_CONFIG, ...config }
    const { input, maxSourceTokens, maxNewTokens, batchSize } = this.config
    if (!EVAL_INPUT_MODES.includes(input)) throw new Error(`eval: unknown input mode '${input}', expected one of: ${EVAL_INPUT_MODES.join(', ')}`)
    promptConfig(this.config.setting) // throws, naming the settings, on an unknown one
    if (!STUDENT_INPUT_MODES.includes(this.config.studentInput)) {
      throw new Error(`eval: unknown studentInput '${String(this.config.studentInput)}', expected one of: ${STUDENT_INPUT_MODES.join(', ')}`)
    }
    if (!SHARED_ADAPTER_MODES.includes(this.config.adapterMode)) {
      throw new Error(`eval: unknown adapterMode '${String(this.config.adapterMode)}', expected one of: ${SHARED_ADAPTER_MODES.join(', ')}`)
    }
    for (const [key, value] of Object.entries({ maxSourceTokens, maxNewTokens, batchSize })) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`eval: ${key} must be a positive integer, got ${value}`)
    }
  }

  /** The encoder text of one instance in the configured input mode. */
  sourceText(task: SniTask, instanceInput: string): string {
    const prompt = promptConfig(this.config.setting, { maxSourceTokens: this.config.maxSourceTokens })
    const counter = tokenCounterFor(this.tokenizer)
    return this.config.input === 'full-prompt'
      ? buildTeacherPrompt(task, { input: instanceInput }, prompt, counter)
      : buildStudentInput(task, { input: instanceInput }, this.config.studentInput, prompt, counter)
  }

  async predictTask(task: EvalTask<SniTask>): Promise<TaskPredictions> {
    let conditioning: TaskConditioning | undefined
    try {
      conditioning = this.adapterSource ? await this.adapterSource.adapterForTask(task.source) : undefined
      if (conditioning) checkTaskConditioning(conditioning)
      const sources = task.instances.map((instance) =>
        encodeTruncated(this.tokenizer, this.sourceText(task.source, instance.input), this.config.maxSourceTokens),
      )
      const generated = await this.generateSorted(sources, conditioning)
      const memoryTokens = extraMemoryLength(conditioning)
      const fusionTokens = conditioning?.extraMemory?.encoderFusion ? memoryTokens : 0
      const flops =
        sequenceFlops(
          flopShapeFromT5Config(this.model.config),
          sources.map((ids, i) => ({ encoderTokens: ids.length, decoderTokens: generated[i]!.length, extraMemoryTokens: memoryTokens, encoderFusionTokens: fusionTokens })),
        ) + (conditioning?.flops ?? 0)
      return { predictions: generated.map((ids) => this.tokenizer.decode(ids, { skipSpecialTokens: true })), flops }
    } finally {
      disposeConditioning(conditioning)
    }
  }

  /** Generate for every source, longest first in batches, and return the outputs in the original order. */
  private async generateSorted(sources: number[][], conditioning: TaskConditioning | undefined): Promise<number[][]> {
    const { adapterMode, batchSize, maxNewTokens } = this.config
    const order = sources.map((_, i) => i).sort((a, b) => sources[b]!.length - sources[a]!.length)
    const outputs: number[][] = new Array(sources.length)
    // Once per task: the shared adapter merged (or made static) and the instruction's keys/values projected.
    const prepared: PreparedTask | undefined = conditioning && adapterMode !== 'per-example' ? this.model.prepareTask(conditioning, adapterMode) : undefined
    try {
      for (let start = 0; start < order.length; start += batchSize) {
        const rows = order.slice(start, start + batchSize)
        const { ids, mask } = padBatch(
          rows.map((i) => sources[i]!),
          this.tokenizer.padId,
        )
        const batchConditioning = prepared ? {} : conditioningForBatch(conditioning, rows.length)
        try {
          const generated = await this.model.generate(
            { inputIds: ids, attentionMask: mask },
            prepared ? { maxNewTokens, prepared } : { maxNewTokens, adapters: batchConditioning.adapters, extraMemory: batchConditioning.extraMemory },
          )
          rows.forEach((i, b) => (outputs[i] = generated[b]!))
        } finally {
          ids.dispose()
          mask.dispose()
          disposeBatchConditioning(batchConditioning)
        }
      }
    } finally {
      if (prepared) this.model.disposePreparedTask(prepared)
    }
    return outputs
  }
}
