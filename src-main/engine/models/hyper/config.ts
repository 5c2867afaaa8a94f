/**
 * The hypernetwork's configuration (tagi-method.md §2.3-§2.4; defaults from decisions.md §1).
 *
 * The released code (model.py: HyperNet/HyperParamNet/HyperLora) has one generator per stack, shared by
 * every layer and by q and v, told apart by a raw integer appended to the task code; N(0, 1e-7) init.
 * The defaults here replace the raw integer by learned layer/module embeddings (as Text-to-LoRA) and use
 * a LoRA-style init (A random, B zero). The code's and the paper's variants stay available as options.
 */
import { z } from 'zod'

export const FUSION_MODES = ['decoder-concat', 'encoder-cross-attention', 'none'] as const
export type FusionMode = (typeof FUSION_MODES)[number]

/** Configs saved before the paper's variant existed hold a boolean: true was the decoder concat, false none. */
function legacyFusion(value: unknown): unknown {
  if (value === true) return 'decoder-concat'
  if (value === false) return 'none'
  return value
}

export const HyperConfigSchema = z.strictObject({
  rank: z.number().int().positive().default(32).describe('LoRA rank of the generated adapters; the paper uses 32 on T5-Base, the tiny preset less.'),
  encodingDim: z.number().int().positive().default(255).describe('Width of the task code z = tanh(Linear(pooled)); 255 in the released code.'),
  hiddenDim: z.number().int().positive().default(8).describe('Hidden width of each generator MLP; 8 in the released code, which keeps the generators tiny.'),
  positionEncoding: z.enum(['learned', 'integer', 'per-layer']).default('learned').describe('How a generator tells layers and q/v apart: \'learned\' embeddings, \'integer\' = the code\'s raw layer id, \'per-layer\' = one generator per layer (paper text).'),
  positionEmbeddingDim: z.number().int().positive().default(32).describe('Size of each learned layer/module embedding (\'learned\' only).'),
  init: z.enum(['lora', 'code']).default('lora').describe('\'lora\': A-head small random, B-head zero, so the first update is exactly 0 yet has a gradient; \'code\': N(0, 1e-7) everywhere.'),
  pooling: z.enum(['masked', 'unmasked']).default('masked').describe('Mean over real instruction tokens (\'masked\') or over every position like the released code (\'unmasked\').'),
  instructionEncoder: z.enum(['frozen-backbone', 'trainable-copy']).default('frozen-backbone').describe('What encodes the instruction: the \'frozen-backbone\' encoder (paper, computed once per task) or a \'trainable-copy\' of its embedding + encoder blocks + final norm, owned and trained by the hypernetwork.'),
  fusion: z
    .preprocess(legacyFusion, z.enum(FUSION_MODES).default('decoder-concat'))
    .describe(
      "How the instruction states reach the student: 'decoder-concat' = decoder cross-attention memory [instruction ; input] (the code's fusion); " +
        "'encoder-cross-attention' = also a cross-attention block after every encoder self-attention (paper Eq. 1; trained with the hypernetwork, output projection 0 at init); " +
        "'none' = the w/o fusion ablation.",
    ),
})

export type HyperConfig = z.infer<typeof HyperConfigSchema>

/** Fill defaults and validate; unknown keys and bad values throw with the key named. */
export function resolveHyperConfig(input: unknown = {}): HyperConfig {
  const parsed = HyperConfigSchema.safeParse(input ?? {})
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    throw new Error(`hypernetwork config: ${issues}`)
  }
  return parsed.data
}
