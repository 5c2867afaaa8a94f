/**
 * T5ForConditionalGeneration on TensorFlow.js: load/save Hugging Face folders (config.json +
 * model.safetensors), random init, forward (hidden states, logits, loss), encode, greedy generation.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tf } from '../../backend/index.ts'
import { readSafetensors, serializeSafetensors, type SafetensorsFile } from '../../formats/safetensors.ts'
import { writeFileAtomic, writeJsonAtomic } from '../../store/atomic.ts'
import { checkLoraShapes } from '../lora/apply.ts'
import type { LoraSet } from '../lora/types.ts'
import { t5ConfigFromHf, t5ConfigToHf, validateT5Config, type T5Config } from './config.ts'
import type { T5RunContext } from './context.ts'
import { lmLogits, runDecoder } from './decoder.ts'
import { runEncoder } from './encoder.ts'
import { greedyGenerate } from './generate.ts'
import { crossMemoryKeyValues, encoderFusionMemory, type ExtraMemory } from './memory.ts'
import { disposePreparedTask, prepareTask, preparedContext, type PreparedAdapterMode, type PreparedTask, type TaskConditioningInput } from './prepared.ts'
import { labelCrossEntropy } from './loss.ts'
import { internalShape, isIgnorableKey, isLinearKey, linearModulePaths, t5WeightShapes } from './weights.ts'

export interface ForwardOptions {
  /** Dropout on. */
  training?: boolean
  /** LoRA adapters applied at forward time. */
  adapters?: LoraSet
  /** Instruction fusion: prepended to the cross-attention memory (decisions.md §1), and read by the encoder fusion blocks it may carry (paper Eq. 1). */
  extraMemory?: ExtraMemory
  /** A task's adapter and memory prepared once (`prepareTask`); excludes `adapters` and `extraMemory`. */
  prepared?: PreparedTask
}

export interface T5Batch {
  inputIds: tf.Tensor2D
  attentionMask: tf.Tensor2D
  decoderInputIds: tf.Tensor2D
  labels?: tf.Tensor2D
}

export interface T5ForwardResult {
  encoderStates: tf.Tensor3D
  logits: tf.Tensor3D
  loss?: tf.Scalar
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

export class T5Model {
  readonly config: T5Config
  private readonly vars: Map<string, tf.Variable>
  private readonly modulePaths: Set<string>

  private constructor(config: T5Config, vars: Map<string, tf.Variable>) {
    this.config = config
    this.vars = vars
    this.modulePaths = new Set(linearModulePaths(config))
  }

  /** Load a Hugging Face folder: config.json + model.safetensors. */
  static async load(dir: string): Promise<T5Model> {
    const configPath = join(dir, 'config.json')
    const weightsPath = join(dir, 'model.safetensors')
    if (!existsSync(configPath)) throw new Error(`T5: ${configPath} does not exist`)
    if (!existsSync(weightsPath)) throw new Error(`T5: ${weightsPath} does not exist`)
    const config = t5ConfigFromHf(JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>)
    return T5Model.fromSafetensors(config, readSafetensors(weightsPath), weightsPath)
  }

  /** Build from parsed safetensors (Hugging Face keys and layout); every expected tensor must be there. */
  static fromSafetensors(config: T5Config, file: SafetensorsFile, source = 'model.safetensors'): T5Model {
    validateT5Config(config)
    const expected = t5WeightShapes(config)
    for (const [key, shape] of expected) {
      const found = file.tensors.get(key)
      if (!found) throw new Error(`${source}: tensor '${key}' is missing (expected shape [${shape.join(', ')}])`)
      if (!sameShape(found.shape, shape)) {
        throw new Error(`${source}: tensor '${key}' has shape [${found.shape.join(', ')}], expected [${shape.join(', ')}]`)
      }
    }
    for (const key of file.tensors.keys()) {
      if (!expected.has(key) && !isIgnorableKey(key)) throw new Error(`${source}: unexpected tensor '${key}' for this config`)
    }
    const vars = new Map<string, tf.Variable>()
    for (const [key, shape] of expected) {
      const t = file.tensors.get(key)!
      const value = tf.tidy(() => {
        const hf = tf.tensor(Float32Array.from(t.data), shape, 'float32')
        return isLinearKey(key) ? tf.transpose(hf) : hf
      })
      vars.set(key, tf.variable(value, true))
      value.dispose()
    }
    return new T5Model(config, vars)
  }

  /**
   * Random init with Hugging Face's T5 scales (initializer_factor 1): embeddings N(0, 1), q N(0, (d·dKv)^-½),
   * k/v N(0, d^-½), o N(0, (H·dKv)^-½), wi N(0, d^-½), wo N(0, dFf^-½), relative bias N(0, d^-½), norms 1.
   * The untied lm_head uses N(0, d^-½) (not Hugging Face's 1): after the final RMS norm that gives
   * unit-scale initial logits, the same as the tied path's d^-½ rescale.
   */
  static init(config: T5Config, seed: number): T5Model {
    validateT5Config(config)
    const d = config.dModel
    const vars = new Map<string, tf.Variable>()
    let i = 0
    for (const [key, hfShape] of t5WeightShapes(config)) {
      const shape = internalShape(key, hfShape)
      let std: number | null
      if (key.endsWith('layer_norm.weight')) std = null
      else if (key === 'shared.weight') std = 1
      else if (key === 'lm_head.weight') std = d ** -0.5
      else if (key.endsWith('.q.weight')) std = (d * config.dKv) ** -0.5
      else if (key.endsWith('.k.weight') || key.endsWith('.v.weight')) std = d ** -0.5
      else if (key.endsWith('.o.weight')) std = (config.numHeads * config.dKv) ** -0.5
      else if (key.endsWith('.wo.weight')) std = config.dFf ** -0.5
      else std = d ** -0.5 // wi, wi_0, wi_1, relative_attention_bias
      const value = std === null ? tf.ones(shape) : tf.randomNormal(shape, 0, std, 'float32', seed * 1000 + i++)
      vars.set(key, tf.variable(value, true))
      value.dispose()
    }
    return new T5Model(config, vars)
  }

  /** Write config.json + model.safetensors (Hugging Face keys and layout), each atomically. */
  save(dir: string): void {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>()
    for (const [key, v] of this.vars) {
      const data = tf.tidy(() => (isLinearKey(key) ? tf.transpose(v) : v.clone())) as tf.Tensor
      tensors.set(key, { shape: isLinearKey(key) ? [v.shape[1] as number, v.shape[0] as number] : [...v.shape], data: data.dataSync() as Float32Array })
      data.dispose()
    }
    writeFileAtomic(join(dir, 'model.safetensors'), serializeSafetensors(tensors))
    writeJsonAtomic(join(dir, 'config.json'), t5ConfigToHf(this.config))
  }

  /** Hugging Face key → variable. Linear weights are held transposed: (in, out). */
  weights(): Map<string, tf.Variable> {
    return this.vars
  }

  /** Every LoRA-able linear module of this model (PEFT paths). */
  linearModules(): string[] {
    return [...this.modulePaths]
  }

  private context(opts: ForwardOptions = {}, batch?: number): T5RunContext {
    if (opts.adapters) this.checkAdapters(opts.adapters, batch)
    const base: T5RunContext = { config: this.config, weights: this.vars as Map<string, tf.Tensor>, training: opts.training ?? false, adapters: opts.adapters }
    if (!opts.prepared) return base
    if (opts.adapters || opts.extraMemory) {
      throw new Error('T5: give either `prepared` or `adapters`/`extraMemory`, not both (a prepared task already holds its adapter and memory)')
    }
    if (opts.prepared.config !== this.config) throw new Error('T5: this prepared task was prepared for another model (prepare it with this model\'s prepareTask)')
    return preparedContext(base, opts.prepared)
  }

  /**
   * Prepare a task's shared conditioning once for all of its batches: the adapter (static, or per-example
   * with batch 1) merged into copies of its weights ('merged') or turned into static LoRAs ('static'), and
   * the batch-1 extra memory projected to cross-attention keys/values. Dispose it with `disposePreparedTask`.
   */
  prepareTask(conditioning: TaskConditioningInput, mode: PreparedAdapterMode = 'merged'): PreparedTask {
    if (conditioning.adapters) this.checkAdapters(conditioning.adapters, 1)
    return prepareTask(this.context(), conditioning, mode)
  }

  disposePreparedTask(prepared: PreparedTask): void {
    disposePreparedTask(prepared)
  }

  /** Throws (naming the module) if an adapter targets a module this model lacks or has the wrong shapes. */
  checkAdapters(adapters: LoraSet, batch?: number): void {
    for (const [id, lora] of adapters) {
      if (!this.modulePaths.has(id)) {
        throw new Error(`LoRA module '${id}' does not exist in this model (an adapter for another architecture?)`)
      }
      checkLoraShapes(id, lora, this.vars.get(`${id}.weight`)!, lora.kind === 'per-example' ? batch : undefined)
    }
  }

  /** Encoder output (B, S, d) after the final layer norm (with the instruction fused in, when the memory has encoder fusion blocks). */
  encode(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    const batch = inputIds.shape[0]
    const ctx = this.context(opts, batch)
    return tf.tidy(() => runEncoder(ctx, inputIds, attentionMask, { fusion: encoderFusionMemory(ctx, batch, opts.extraMemory, opts.prepared?.memory) }))
  }

  /** Teacher-forced forward. Safe inside `tf.variableGrads` / `optimizer.minimize` (reads no data). */
  forward(batch: T5Batch, opts: ForwardOptions = {}): T5ForwardResult {
    const rows = batch.inputIds.shape[0]
    const ctx = this.context(opts, rows)
    return tf.tidy(() => {
      const fusion = encoderFusionMemory(ctx, rows, opts.extraMemory, opts.prepared?.memory)
      const encoderStates = runEncoder(ctx, batch.inputIds, batch.attentionMask, { fusion })
      const { cross, mask } = crossMemoryKeyValues(ctx, encoderStates, batch.attentionMask, opts.extraMemory, opts.prepared?.memory)
      const { hidden } = runDecoder(ctx, batch.decoderInputIds, mask, cross)
      const logits = lmLogits(ctx, hidden)
      const result: T5ForwardResult = { encoderStates, logits }
      if (batch.labels) result.loss = labelCrossEntropy(logits, batch.labels)
      return result as unknown as tf.TensorContainer
    }) as unknown as T5ForwardResult
  }

  /** Greedy decoding with a key/value cache; each row stops after EOS. */
  async generate(
    inputs: { inputIds: tf.Tensor2D; attentionMask: tf.Tensor2D },
    opts: ForwardOptions & { maxNewTokens: number },
  ): Promise<number[][]> {
    const ctx = this.context({ ...opts, training: false }, inputs.inputIds.shape[0])
    return greedyGenerate(ctx, inputs.inputIds, inputs.attentionMask, opts.maxNewTokens, opts.extraMemory, opts.prepared?.memory)
  }

  /** Add static adapters into the weights (sign −1 removes them again: unmerge). */
  mergeAdapters(adapters: LoraSet, sign: 1 | -1 = 1): void {
    this.checkAdapters(adapters)
    for (const [id, lora] of adapters) {
      if (lora.kind !== 'static') throw new Error(`LoRA module '${id}': per-example adapters cannot be merged into shared weights`)
      const v = this.vars.get(`${id}.weight`)!
      // Internal layout (in, out): W[i][o] += sign · scale · Σ_k A[k][i] · B[o][k], summed in float64 and
      // rounded once, so a merged model matches the adapter applied at forward time as closely as float32 allows.
      const [inDim, outDim] = v.shape as [number, number]
      const r = lora.A.shape[0]
      const w = Float64Array.from(v.dataSync())
      const a = lora.A.dataSync()
      const b = lora.B.dataSync()
      const s = lora.scale * sign
      for (let i = 0; i < inDim; i++) {
        for (let o = 0; o < outDim; o++) {
          let acc = 0
          for (let k = 0; k < r; k++) acc += a[k * inDim + i] * b[o * r + k]
          w[i * outDim + o] += s * acc
        }
      }
      const merged = tf.tensor2d(Float32Array.from(w), [inDim, outDim])
      v.assign(merged)
      merged.dispose()
    }
  }

  unmergeAdapters(adapters: LoraSet): void {
    this.mergeAdapters(adapters, -1)
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose()
    this.vars.clear()
  }
}

export type { ExtraMemory, PreparedTask, PreparedAdapterMode, TaskConditioningInput }
