/**
 * TAGI at inference (tagi-method.md §1 step 4): for each task, encode its instruction once, generate its
 * adapter once, and hand both to the evaluator, which runs every instance with only its own input plus
 * the fused instruction states. No gradient step is taken on the task.
 */
import { tf } from '../../backend/index.ts'
import type { TaskConditioning, AdapterSource } from '../../eval/conditioning.ts'
import { encoderFlops, encoderFusionMemoryFlops, flopShapeFromT5Config } from '../../eval/flops.ts'
import type { TextTokenizer } from '../../tokenizers/index.ts'
import type { LoraSet } from '../lora/types.ts'
import type { T5Model } from '../t5/index.ts'
import { adaptersForBatch, type HyperNetwork } from './hypernetwork.ts'
import { disposeEncoding, encodeInstructions } from './instruction-encoder.ts'

export interface HyperSourceOptions<Task> {
  hyper: HyperNetwork
  /** The frozen backbone: runs the instances (and encodes the instruction unless the hypernetwork has its own encoder). */
  model: T5Model
  tokenizer: TextTokenizer
  /** The hypernetwork's instruction text for a task (data/prompts.ts `buildInstruction`). */
  instructionOf: (task: Task) => string
  maxInstructionTokens: number
}

/** FLOPs of one generation: pooler plus both MLPs of every generator row (2 FLOPs per multiply-add). */
function generatorFlops(hyper: HyperNetwork): number {
  const { encodingDim, hiddenDim, rank, positionEncoding, positionEmbeddingDim } = hyper.config
  const { dModel, innerDim, encoderLayers, decoderLayers } = hyper.target
  const rows = 2 * (encoderLayers + 2 * decoderLayers)
  const input = encodingDim + (positionEncoding === 'learned' ? positionEmbeddingDim : 1)
  const perRow = 2 * hiddenDim * (2 * input + dModel * rank + rank * innerDim)
  return 2 * dModel * encodingDim + rows * perRow
}

export function generateTaskConditioning(options: Omit<HyperSourceOptions<unknown>, 'instructionOf'>, instruction: string): TaskConditioning {
  const { hyper, model, tokenizer, maxInstructionTokens } = options
  const encoding = encodeInstructions(model, tokenizer, [instruction], maxInstructionTokens, hyper.config.pooling === 'masked', hyper.instructionEncoderWeights(model))
  try {
    // tf.tidy does not look inside Maps, so the adapters are kept one by one.
    const adapters: LoraSet = new Map()
    tf.tidy(() => {
      for (const [id, lora] of adaptersForBatch(hyper.generate(encoding.pooled))) adapters.set(id, { ...lora, A: tf.keep(lora.A), B: tf.keep(lora.B) })
    })
    const conditioning: TaskConditioning = { adapters }
    if (hyper.config.fusion !== 'none') conditioning.extraMemory = hyper.fusedMemory({ states: tf.clone(encoding.states), mask: tf.clone(encoding.mask) })
    const shape = flopShapeFromT5Config(model.config)
    const instructionTokens = encoding.tokens[0]!
    conditioning.flops = encoderFlops(shape, instructionTokens) + generatorFlops(hyper)
    if (hyper.config.fusion === 'encoder-cross-attention') conditioning.flops += encoderFusionMemoryFlops(shape, instructionTokens)
    return conditioning
  } finally {
    disposeEncoding(encoding)
  }
}

export function hyperAdapterSource<Task>(options: HyperSourceOptions<Task>): AdapterSource<Task> {
  return {
    async adapterForTask(task: Task) {
      return generateTaskConditioning(options, options.instructionOf(task))
    },
  }
}
