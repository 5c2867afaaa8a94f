/**
 * PEFT LoRA adapters on disk: `adapter_config.json` + `adapter_model.safetensors`, keys
 * `base_model.model.<module>.lora_A.weight` (r × in) and `.lora_B.weight` (out × r), update
 * ΔW = (lora_alpha / r) · B · A.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tf } from '../../backend/index.ts'
import { readSafetensors, serializeSafetensors } from '../../formats/safetensors.ts'
import { writeFileAtomic, writeJsonAtomic } from '../../store/atomic.ts'
import type { T5Config } from '../t5/config.ts'
import { linearModulePaths } from '../t5/weights.ts'
import { loraModuleIds, moduleDims, type LoraTarget } from './modules.ts'
import type { LoraModuleId, LoraSet } from './types.ts'

const PREFIX = 'base_model.model.'

export interface PeftAdapterConfig {
  peft_type: 'LORA'
  task_type?: string
  r: number
  lora_alpha: number
  lora_dropout?: number
  bias?: string
  fan_in_fan_out?: boolean
  inference_mode?: boolean
  target_modules: string[] | string
  base_model_name_or_path?: string | null
  [key: string]: unknown
}

export class PeftAdapter {
  readonly config: PeftAdapterConfig
  /** Module id → A (r, in) and B (out, r), PEFT orientation. */
  readonly modules: Map<LoraModuleId, { A: tf.Tensor2D; B: tf.Tensor2D }>

  constructor(config: PeftAdapterConfig, modules: Map<LoraModuleId, { A: tf.Tensor2D; B: tf.Tensor2D }>) {
    if (config.peft_type !== 'LORA') throw new Error(`PEFT adapter: peft_type is '${String(config.peft_type)}', only 'LORA' is supported`)
    if (!(config.r > 0) || !(config.lora_alpha > 0)) throw new Error(`PEFT adapter: r and lora_alpha must be positive (r=${config.r}, lora_alpha=${config.lora_alpha})`)
    if (config.fan_in_fan_out) throw new Error('PEFT adapter: fan_in_fan_out = true is not supported (T5 uses nn.Linear)')
    if (config.use_rslora) throw new Error('PEFT adapter: use_rslora is not supported')
    this.config = config
    this.modules = modules
  }

  get r(): number {
    return this.config.r
  }
  get alpha(): number {
    return this.config.lora_alpha
  }
  get scale(): number {
    return this.config.lora_alpha / this.config.r
  }
  get targetModules(): string[] {
    const t = this.config.target_modules
    return typeof t === 'string' ? [t] : [...t]
  }

  static load(dir: string): PeftAdapter {
    const configPath = join(dir, 'adapter_config.json')
    const weightsPath = join(dir, 'adapter_model.safetensors')
    if (!existsSync(configPath)) throw new Error(`PEFT adapter: ${configPath} does not exist`)
    if (!existsSync(weightsPath)) throw new Error(`PEFT adapter: ${weightsPath} does not exist`)
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as PeftAdapterConfig
    const file = readSafetensors(weightsPath)
    const parts = new Map<string, { A?: { shape: number[]; data: Float32Array | Int32Array }; B?: { shape: number[]; data: Float32Array | Int32Array } }>()
    for (const [key, t] of file.tensors) {
      const m = /^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(key)
      if (!m) throw new Error(`${weightsPath}: tensor '${key}' is not a LoRA weight (expected ${PREFIX}<module>.lora_A.weight / lora_B.weight)`)
      const entry = parts.get(m[1]) ?? {}
      entry[m[2] as 'A' | 'B'] = t
      parts.set(m[1], entry)
    }
    const modules = new Map<LoraModuleId, { A: tf.Tensor2D; B: tf.Tensor2D }>()
    for (const [id, { A, B }] of parts) {
      if (!A || !B) throw new Error(`${weightsPath}: module '${id}' has lora_${A ? 'A' : 'B'} but not lora_${A ? 'B' : 'A'}`)
      if (A.shape.length !== 2 || A.shape[0] !== config.r) throw new Error(`${weightsPath}: '${PREFIX}${id}.lora_A.weight' has shape [${A.shape.join(', ')}], expected [${config.r}, in]`)
      if (B.shape.length !== 2 || B.shape[1] !== config.r) throw new Error(`${weightsPath}: '${PREFIX}${id}.lora_B.weight' has shape [${B.shape.join(', ')}], expected [out, ${config.r}]`)
      modules.set(id, { A: tf.tensor2d(Float32Array.from(A.data), A.shape as [number, number]), B: tf.tensor2d(Float32Array.from(B.data), B.shape as [number, number]) })
    }
    return new PeftAdapter(config, modules)
  }

  /** New adapter: A ~ PEFT's kaiming-uniform(a=√5) i.e. U(±1/√in), B = 0 (so it starts as the identity). */
  static init(model: T5Config, opts: { r: number; alpha: number; dropout?: number; targets?: LoraTarget[]; seed?: number; baseModel?: string }): PeftAdapter {
    const targets = opts.targets ?? ['q', 'v']
    const modules = new Map<LoraModuleId, { A: tf.Tensor2D; B: tf.Tensor2D }>()
    let i = 0
    for (const id of loraModuleIds(model, targets)) {
      const dims = moduleDims(model, id)
      const bound = 1 / Math.sqrt(dims.in)
      modules.set(id, { A: tf.randomUniform([opts.r, dims.in], -bound, bound, 'float32', (opts.seed ?? 0) * 1000 + i++), B: tf.zeros([dims.out, opts.r]) })
    }
    return new PeftAdapter(
      {
        peft_type: 'LORA',
        task_type: 'SEQ_2_SEQ_LM',
        r: opts.r,
        lora_alpha: opts.alpha,
        lora_dropout: opts.dropout ?? 0,
        bias: 'none',
        fan_in_fan_out: false,
        inference_mode: true,
        target_modules: targets,
        base_model_name_or_path: opts.baseModel ?? null,
      },
      modules,
    )
  }

  /** Check modules and shapes against a model config; the error names the module and both shapes. */
  checkAgainst(model: T5Config): void {
    const known = new Set(linearModulePaths(model))
    for (const [id, { A, B }] of this.modules) {
      if (!known.has(id)) throw new Error(`PEFT adapter: module '${id}' does not exist in this model (an adapter for another architecture?)`)
      const dims = moduleDims(model, id)
      if (A.shape[1] !== dims.in) throw new Error(`PEFT adapter: '${PREFIX}${id}.lora_A.weight' has shape [${A.shape.join(', ')}], the model needs [${this.r}, ${dims.in}]`)
      if (B.shape[0] !== dims.out) throw new Error(`PEFT adapter: '${PREFIX}${id}.lora_B.weight' has shape [${B.shape.join(', ')}], the model needs [${dims.out}, ${this.r}]`)
    }
  }

  /** Static adapters for `forward({ adapters })` or `mergeAdapters` (the tensors are shared, not copied). */
  toLoraSet(): LoraSet {
    const set: LoraSet = new Map()
    for (const [id, { A, B }] of this.modules) set.set(id, { kind: 'static', A, B, scale: this.scale })
    return set
  }

  save(dir: string): void {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>()
    for (const [id, { A, B }] of this.modules) {
      tensors.set(`${PREFIX}${id}.lora_A.weight`, { shape: [...A.shape], data: A.dataSync() as Float32Array })
      tensors.set(`${PREFIX}${id}.lora_B.weight`, { shape: [...B.shape], data: B.dataSync() as Float32Array })
    }
    writeFileAtomic(join(dir, 'adapter_model.safetensors'), serializeSafetensors(tensors, { format: 'pt' }))
    writeJsonAtomic(join(dir, 'adapter_config.json'), this.config)
  }

  dispose(): void {
    for (const { A, B } of this.modules.values()) {
      A.dispose()
      B.dispose()
    }
    this.modules.clear()
  }
}
