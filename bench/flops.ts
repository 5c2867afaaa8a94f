/**
 * FLOPs of a training step, counted from the model's shapes, for the achieved-GFLOP/s column.
 *
 * The rule (Kaplan et al. 2020 count a matMul of (m, k)·(k, n) as 2·m·k·n FLOPs):
 *   - every matMul of a pass is counted at the padded shapes the kernels really run (B × S, B × T);
 *   - a pass under the gradient tape counts ×3: the forward product, and in the backward dy·Wᵀ and xᵀ·dy,
 *     each as large as the forward one. The engine's matMuls (backend/ops.ts) are tf.customGrad functions
 *     whose gradient computes both products even where the weight is frozen, so ×3 also holds for the
 *     frozen backbone of the LoRA and hypernetwork stages, except for the first projections, whose input
 *     depends on no trainable weight and whose backward tfjs skips: there the kernels do 2.82-2.85× the
 *     forward (measured on tiny and small), so those stages' GFLOP/s read about 6% high;
 *   - a pass outside the tape (the KL teacher's logits, the frozen encoder reading the instruction in
 *     hypernetwork pretraining) counts ×1;
 *   - attention counts q·kᵀ and p·v (2 · 2·B·H·q·k·d_kv); LoRA counts x·A then ·B on the module's rows;
 *     the hypernetwork counts its pooler and both generator MLPs for every (task, module) row;
 *   - norms, softmax, GELU, dropout, the loss and the optimizer are elementwise and are not counted:
 *     they cost time but no matMul work, which is exactly what the ratio to the matMul rate exposes.
 */
import type { HyperConfig, HyperTarget } from '../src-main/engine/models/hyper/index.ts'
import type { T5Config } from '../src-main/engine/models/t5/index.ts'

/** The padded shapes of one teacher-forced T5 pass. */
export interface T5PassShape {
  batch: number
  /** Encoder width S. */
  source: number
  /** Decoder width T. */
  target: number
  /** Fused instruction positions M prepended to the cross-attention memory (0 without fusion). */
  extraMemory?: number
  /** Rank of the LoRA on q and v of every attention (encoder self, decoder self, decoder cross); 0 = none. */
  loraRank?: number
}

const matMul = (m: number, k: number, n: number) => 2 * m * k * n

/** The attention block of `rows` query rows over `keys` key rows per example, with q/v LoRA of `rank`. */
function attention(c: T5Config, batch: number, queries: number, keys: number, rank: number): number {
  const inner = c.dKv * c.numHeads
  const q = batch * queries
  const kv = batch * keys
  const projections = matMul(q, c.dModel, inner) * 2 + matMul(kv, c.dModel, inner) * 2 // q, o; k, v
  const scores = 2 * matMul(batch * c.numHeads * queries, c.dKv, keys) // q·kᵀ and p·v
  const lora = rank > 0 ? matMul(q, c.dModel, rank) + matMul(q, rank, inner) + matMul(kv, c.dModel, rank) + matMul(kv, rank, inner) : 0
  return projections + scores + lora
}

function feedForward(c: T5Config, rows: number): number {
  const inputs = c.feedForwardProj === 'gated-gelu' ? 2 : 1
  return inputs * matMul(rows, c.dModel, c.dFf) + matMul(rows, c.dFf, c.dModel)
}

/** Encoder forward over (batch, width). */
export function encoderFlops(c: T5Config, batch: number, width: number, loraRank = 0): number {
  return c.numLayers * (attention(c, batch, width, width, loraRank) + feedForward(c, batch * width))
}

/** One forward pass: encoder, decoder (self + cross over [extra ; encoder]), LM head. */
export function t5ForwardFlops(c: T5Config, p: T5PassShape): number {
  const rank = p.loraRank ?? 0
  const memory = p.source + (p.extraMemory ?? 0)
  let flops = encoderFlops(c, p.batch, p.source, rank)
  flops += c.numDecoderLayers * (attention(c, p.batch, p.target, p.target, rank) + attention(c, p.batch, p.target, memory, rank) + feedForward(c, p.batch * p.target))
  return flops + matMul(p.batch * p.target, c.dModel, c.vocabSize)
}

/** The hypernetwork for `tasks` instructions: pooler, then both MLPs of every (task, module) row. */
export function hyperGenerateFlops(h: HyperConfig, target: HyperTarget, tasks: number): number {
  const rows = tasks * 2 * (target.encoderLayers + 2 * target.decoderLayers) // q and v of three stacks
  const input = h.encodingDim + (h.positionEncoding === 'learned' ? h.positionEmbeddingDim : 1)
  const mlpA = matMul(rows, input, h.hiddenDim) + matMul(rows, h.hiddenDim, target.dModel * h.rank)
  const mlpB = matMul(rows, input, h.hiddenDim) + matMul(rows, h.hiddenDim, h.rank * target.innerDim)
  return matMul(tasks, target.dModel, h.encodingDim) + mlpA + mlpB
}

/** ΔW = A·B of every aligned module for `tasks` tasks (parameter alignment's 'delta' orientation). */
export function deltaWeightFlops(target: HyperTarget, rank: number, tasks: number): number {
  const modules = 2 * (target.encoderLayers + 2 * target.decoderLayers)
  return modules * tasks * matMul(target.dModel, rank, target.innerDim)
}

/** Passes under the gradient tape cost forward + backward = 3 × forward (see the header). */
export const TRAINED_PASS = 3
