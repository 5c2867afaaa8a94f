/**
 * The TAGI hypernetwork: instruction → task code → one LoRA per q/v projection of the frozen T5
 * (tagi-method.md §2.2-§2.5; code: model.py `LoRAT5.init_hyper`, `HyperLora`).
 *
 *   pooled (U, d) ──Linear+tanh──▶ z (U, encodingDim) ──3 generators──▶ A (U, in, r), B (U, r, out) per module
 *
 * U counts distinct instructions (tasks): a task's adapter is generated once and shared by its
 * instances (`adaptersForBatch` gathers it to the batch rows), which is where the paper's inference
 * saving comes from. Module order follows the code's export order (§3.1): encoder layer l q, v; then
 * decoder layer l self q, self v, cross q, cross v.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tf } from '../../backend/index.ts'
import { readSafetensors, writeSafetensors } from '../../formats/safetensors.ts'
import { writeJsonAtomic } from '../../store/atomic.ts'
import type { PerExampleLora } from '../lora/types.ts'
import { innerDim, type T5Config } from '../t5/config.ts'
import { encoderFusionShapes, type ExtraMemory, type T5Model } from '../t5/index.ts'
import { attentionPrefix } from '../t5/weights.ts'
import { resolveHyperConfig, type HyperConfig } from './config.ts'
import { PROJECTIONS, seededNormal, StackGenerator, type StackName } from './generator.ts'
import { taskCode } from './pooler.ts'

/** What the hypernetwork needs from the frozen instruction encoder, per distinct instruction. */
export interface InstructionEncoding {
  /** (U, d) mean of (H_1 + H_L) over the instruction (see pooler.ts). */
  pooled: tf.Tensor2D
  /** (U, S, d) final encoder states: the fused instruction memory. */
  states: tf.Tensor3D
  /** (U, S) 1 for real tokens. */
  mask: tf.Tensor2D
}

/** The backbone dimensions a hypernetwork was built for; a mismatch at load time is an error. */
export interface HyperTarget {
  dModel: number
  innerDim: number
  encoderLayers: number
  decoderLayers: number
}

/** Generated factors of one module for U tasks (x·A·B orientation, B already divided by sqrt(r)). */
export interface GeneratedModule {
  A: tf.Tensor3D // (U, in, r)
  B: tf.Tensor3D // (U, r, out)
}

/** Variable-name prefix of the hypernetwork's own instruction encoder ('trainable-copy'). */
export const INSTRUCTION_ENCODER_PREFIX = 'instruction_encoder.'

/** The backbone weights the instruction encoder reads (runEncoder): the embedding table and the encoder stack. */
export function isEncoderWeightKey(key: string): boolean {
  return key === 'shared.weight' || key.startsWith('encoder.')
}

export const HYPER_WEIGHTS_FILE = 'hypernetwork.safetensors'
export const HYPER_CONFIG_FILE = 'hyper_config.json'

export function hyperTargetOf(t5: T5Config): HyperTarget {
  return { dModel: t5.dModel, innerDim: innerDim(t5), encoderLayers: t5.numLayers, decoderLayers: t5.numDecoderLayers }
}

const STACK_PREFIX: Record<StackName, (layer: number) => string> = {
  encoder_self: (l) => attentionPrefix('encoder', l, false),
  decoder_self: (l) => attentionPrefix('decoder', l, false),
  decoder_cross: (l) => attentionPrefix('decoder', l, true),
}

/** tf.variable keeps its own reference to the initial tensor; release ours so nothing leaks. */
function trainableVariable(initial: tf.Tensor): tf.Variable {
  const v = tf.variable(initial, true)
  initial.dispose()
  return v
}

export class HyperNetwork {
  /** Every trainable variable by a stable name (checkpoint and file keys). */
  readonly variables = new Map<string, tf.Variable>()
  private readonly generators: StackGenerator[]
  private readonly poolerWeight: tf.Variable // (d, encodingDim)
  private readonly poolerBias: tf.Variable // (encodingDim)
  /** 'trainable-copy' only: HF key → this network's own copy of that encoder weight (internal layout). */
  private readonly ownEncoder = new Map<string, tf.Variable>()
  /** fusion 'encoder-cross-attention' only: the per-encoder-layer fusion blocks (t5/encoder-fusion.ts keys). */
  private readonly encoderFusion = new Map<string, tf.Variable>()

  /**
   * `encoderInit`: initial values of the own instruction encoder, by HF key ('trainable-copy' only; cloned).
   * `fusionQueryStd`: the fusion blocks' q init, T5's (d_model·d_kv)^-½ (their values come from the file on load).
   */
  private constructor(
    readonly config: HyperConfig,
    readonly target: HyperTarget,
    seed: number,
    encoderInit?: Map<string, tf.Tensor>,
    fusionQueryStd = 1 / target.dModel,
  ) {
    const { dModel, encoderLayers, decoderLayers } = target
    // Pooler: nn.Linear-like init (uniform ±1/sqrt(d) would do as well); normal with std 1/sqrt(d) keeps z unsaturated.
    this.poolerWeight = trainableVariable(seededNormal(seed, 'pooler.weight', [dModel, config.encodingDim], 1 / Math.sqrt(dModel)))
    this.poolerBias = trainableVariable(tf.zeros([config.encodingDim]))
    this.variables.set('pooler.weight', this.poolerWeight)
    this.variables.set('pooler.bias', this.poolerBias)
    const dims = { dIn: dModel, dOut: target.innerDim }
    this.generators = [
      new StackGenerator({ name: 'encoder_self', layers: encoderLayers, ...dims }, config, seed),
      new StackGenerator({ name: 'decoder_self', layers: decoderLayers, ...dims }, config, seed),
      new StackGenerator({ name: 'decoder_cross', layers: decoderLayers, ...dims }, config, seed),
    ]
    for (const g of this.generators) for (const [name, v] of g.variables) this.variables.set(name, v)
    if (config.instructionEncoder === 'trainable-copy') {
      if (!encoderInit || encoderInit.size === 0) throw new Error("hypernetwork: instructionEncoder 'trainable-copy' needs the backbone's encoder weights to copy")
      for (const [key, value] of encoderInit) {
        const copy = trainableVariable(tf.clone(value))
        this.ownEncoder.set(key, copy)
        this.variables.set(`${INSTRUCTION_ENCODER_PREFIX}${key}`, copy)
      }
    }
    if (config.fusion === 'encoder-cross-attention') {
      // T5's attention init (k, v N(0, d^-½)), a unit norm, and o = 0: the fused encoder starts as the plain one.
      for (const [key, shape] of encoderFusionShapes(dModel, target.innerDim, encoderLayers)) {
        let initial: tf.Tensor
        if (key.endsWith('.layer_norm.weight')) initial = tf.ones(shape)
        else if (key.endsWith('.o.weight')) initial = tf.zeros(shape)
        else initial = seededNormal(seed, key, shape, key.endsWith('.q.weight') ? fusionQueryStd : 1 / Math.sqrt(dModel))
        const v = trainableVariable(initial)
        this.encoderFusion.set(key, v)
        this.variables.set(key, v)
      }
    }
  }

  /** `backbone` is required for instructionEncoder 'trainable-copy': its encoder weights are copied. */
  static create(t5: T5Config, config: Partial<HyperConfig> | HyperConfig = {}, seed = 42, backbone?: T5Model): HyperNetwork {
    const resolved = resolveHyperConfig(config)
    const target = hyperTargetOf(t5)
    if (resolved.rank > Math.min(target.dModel, target.innerDim)) {
      throw new Error(`hypernetwork config: rank ${resolved.rank} exceeds the projection size (d_model ${target.dModel}, inner ${target.innerDim})`)
    }
    const encoderInit = backbone ? new Map([...backbone.weights()].filter(([key]) => isEncoderWeightKey(key))) : undefined
    return new HyperNetwork(resolved, target, seed, encoderInit as Map<string, tf.Tensor> | undefined, (t5.dModel * t5.dKv) ** -0.5)
  }

  /**
   * What the student reads of instruction states (U or B, M, d) besides its adapter, by this network's fusion:
   * nothing ('none'), the decoder memory ('decoder-concat'), or that memory with this network's encoder
   * fusion blocks ('encoder-cross-attention', paper Eq. 1: the decoder then reads [I ; F_L]).
   */
  fusedMemory(memory: { states: tf.Tensor3D; mask: tf.Tensor2D }): ExtraMemory | undefined {
    if (this.config.fusion === 'none') return undefined
    if (this.config.fusion === 'decoder-concat') return { states: memory.states, mask: memory.mask }
    return { states: memory.states, mask: memory.mask, encoderFusion: this.encoderFusion }
  }

  /**
   * The weights that encode instructions for this network: the backbone's own (frozen) or this network's
   * trainable copy. Either map serves `runEncoder`, which reads only the embedding and the encoder stack.
   */
  instructionEncoderWeights(backbone: T5Model): Map<string, tf.Tensor> {
    return this.config.instructionEncoder === 'trainable-copy' ? this.ownEncoder : (backbone.weights() as Map<string, tf.Tensor>)
  }

  /** Adapted module ids in the code's export order. */
  moduleIds(): string[] {
    const ids: string[] = []
    for (let l = 0; l < this.target.encoderLayers; l++) for (const p of PROJECTIONS) ids.push(`${STACK_PREFIX.encoder_self(l)}.${p}`)
    for (let l = 0; l < this.target.decoderLayers; l++) {
      for (const p of PROJECTIONS) ids.push(`${STACK_PREFIX.decoder_self(l)}.${p}`)
      for (const p of PROJECTIONS) ids.push(`${STACK_PREFIX.decoder_cross(l)}.${p}`)
    }
    return ids
  }

  /** z = tanh(pooled·W + b): (U, d) → (U, encodingDim). */
  code(pooled: tf.Tensor2D): tf.Tensor2D {
    if (pooled.rank !== 2 || pooled.shape[1] !== this.target.dModel) {
      throw new Error(`hypernetwork: pooled instructions must be (U, ${this.target.dModel}), got [${pooled.shape}]`)
    }
    return taskCode(pooled, this.poolerWeight, this.poolerBias)
  }

  /** Generate every module's factors for U instructions. Call inside a tidy / gradient scope. */
  generate(pooled: tf.Tensor2D): Map<string, GeneratedModule> {
    const z = this.code(pooled)
    const byId = new Map<string, GeneratedModule>()
    for (const generator of this.generators) {
      const factors = generator.generate(z)
      const prefix = STACK_PREFIX[generator.shape.name]
      factors.forEach((f, position) => {
        const layer = Math.floor(position / PROJECTIONS.length)
        byId.set(`${prefix(layer)}.${PROJECTIONS[position % PROJECTIONS.length]}`, f)
      })
    }
    // Re-key in export order.
    return new Map(this.moduleIds().map((id) => [id, byId.get(id)!]))
  }

  parameterCount(): number {
    let n = 0
    for (const v of this.variables.values()) n += v.size
    return n
  }

  save(dir: string): void {
    mkdirSync(dir, { recursive: true })
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>()
    for (const [name, v] of this.variables) tensors.set(name, { shape: v.shape, data: v.dataSync() as Float32Array })
    writeSafetensors(join(dir, HYPER_WEIGHTS_FILE), tensors, { format: 'tagi-hypernetwork' })
    writeJsonAtomic(join(dir, HYPER_CONFIG_FILE), { format: 'tagi-hypernetwork', version: 1, hyper: this.config, target: this.target })
  }

  /** Copy weights by name from a safetensors map; every variable must be present with its exact shape. */
  assign(tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array }>, source: string): void {
    for (const [name, v] of this.variables) {
      const t = tensors.get(name)
      if (!t) throw new Error(`hypernetwork ${source}: weight '${name}' is missing`)
      if (t.shape.join() !== v.shape.join()) throw new Error(`hypernetwork ${source}: weight '${name}' has shape [${t.shape}], expected [${v.shape}]`)
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(t.data), v.shape)))
    }
  }

  static load(dir: string, expected?: T5Config): HyperNetwork {
    const configPath = join(dir, HYPER_CONFIG_FILE)
    if (!existsSync(configPath)) throw new Error(`no hypernetwork in ${dir}: ${HYPER_CONFIG_FILE} is missing`)
    const json = JSON.parse(readFileSync(configPath, 'utf8')) as { format?: string; hyper?: unknown; target?: HyperTarget }
    if (json.format !== 'tagi-hypernetwork' || !json.target) throw new Error(`${configPath}: not a TAGI hypernetwork config (format '${json.format}')`)
    if (expected) {
      const want = hyperTargetOf(expected)
      for (const key of Object.keys(want) as (keyof HyperTarget)[]) {
        if (want[key] !== json.target[key]) throw new Error(`hypernetwork in ${dir} was built for ${key} = ${json.target[key]}, the backbone has ${want[key]}`)
      }
    }
    const resolved = resolveHyperConfig(json.hyper)
    const { tensors } = readSafetensors(join(dir, HYPER_WEIGHTS_FILE))
    // The own encoder's shapes come from the file (they follow the backbone's vocabulary and widths); assign fills them.
    let encoderInit: Map<string, tf.Tensor> | undefined
    if (resolved.instructionEncoder === 'trainable-copy') {
      encoderInit = new Map()
      for (const [name, t] of tensors) {
        if (name.startsWith(INSTRUCTION_ENCODER_PREFIX)) encoderInit.set(name.slice(INSTRUCTION_ENCODER_PREFIX.length), tf.zeros(t.shape))
      }
    }
    try {
      const net = new HyperNetwork(resolved, json.target, 0, encoderInit)
      net.assign(tensors, `file ${join(dir, HYPER_WEIGHTS_FILE)}`)
      return net
    } finally {
      if (encoderInit) tf.dispose([...encoderInit.values()])
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose()
  }
}

/**
 * Per-example LoRAs for a batch: row b gets the adapter of task `taskIndex[b]` (U → B rows).
 * Without an index the rows are the tasks themselves. Scale 1: the generated B is already / sqrt(r).
 */
export function adaptersForBatch(generated: Map<string, GeneratedModule>, taskIndex?: tf.Tensor1D): Map<string, PerExampleLora> {
  const set = new Map<string, PerExampleLora>()
  for (const [id, { A, B }] of generated) {
    const lora: PerExampleLora = {
      kind: 'per-example',
      A: taskIndex ? (tf.gather(A, taskIndex) as tf.Tensor3D) : A,
      B: taskIndex ? (tf.gather(B, taskIndex) as tf.Tensor3D) : B,
      scale: 1,
    }
    set.set(id, lora)
  }
  return set
}

/** The fused instruction memory for a batch (decoder cross-attends over [instruction ; input]). */
export function fusionMemory(encoding: InstructionEncoding, taskIndex?: tf.Tensor1D): { states: tf.Tensor3D; mask: tf.Tensor2D } {
  if (!taskIndex) return { states: encoding.states, mask: encoding.mask }
  return { states: tf.gather(encoding.states, taskIndex) as tf.Tensor3D, mask: tf.gather(encoding.mask, taskIndex) as tf.Tensor2D }
}
