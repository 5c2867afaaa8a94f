/**
 * The finetuning objective of TAGI (paper Eq. 4-6): L = L_ce + λ1·L_kl + λ2·L_ins.
 *
 * Defaults are decisions.md §1: λ1 = 5 and λ2 = sigmoid(L_ins), as the paper and the code (ni_trainer.py:
 * `loss += sigmoid(loss_lora) * loss_lora`, the gradient flowing through both factors). Each term can be
 * switched off, which is how the ablations of tagi-method.md §7.4 (w/o L_ce, w/o L_kl, w/o L_ins) run.
 */
import { tf } from '../backend/index.ts'
import { DEFAULT_LOGIT_KL, type LogitKlConfig } from './logit-kl.ts'
import { DEFAULT_PARAM_ALIGN, type ParamAlignConfig } from './param-align.ts'

export interface TagiLossConfig {
  /** Label cross-entropy on the student's output (off for the "w/o L_ce" ablation). */
  labels: boolean
  /** Logit distillation from the teacher; null switches the term off. */
  logits: (LogitKlConfig & { weight: number }) | null
  /** Parameter alignment with the group's teacher LoRA; null switches the term off. */
  params: (ParamAlignConfig & { weighting: 'sigmoid' | 'constant'; weight: number }) | null
}

export const DEFAULT_TAGI_LOSS: TagiLossConfig = {
  labels: true,
  // λ1 = 5: the best value of the authors' sweep {0.5, 2, 5, 10} (tagi-method.md §3.3).
  logits: { ...DEFAULT_LOGIT_KL, weight: 5 },
  // λ2 = sigmoid(L_ins): the paper's adaptive weighting; `weight` is used only with weighting 'constant'.
  params: { ...DEFAULT_PARAM_ALIGN, weighting: 'sigmoid', weight: 1 },
}

export interface TagiLossTerms {
  ce: tf.Scalar | null
  kl: tf.Scalar | null
  ins: tf.Scalar | null
}

export interface TagiLossResult {
  total: tf.Scalar
  /** The weight λ2 actually applied to L_ins this step (null when the term is off). */
  lambda2: tf.Scalar | null
}

/** Combine the computed terms with the configured weights. A term that is on must have been computed. */
export function combineTagiLoss(terms: TagiLossTerms, config: TagiLossConfig = DEFAULT_TAGI_LOSS): TagiLossResult {
  const need = (on: boolean, term: tf.Scalar | null, name: string): tf.Scalar | null => {
    if (on && !term) throw new Error(`TAGI loss: the ${name} term is switched on but was not computed`)
    return on ? term : null
  }
  const ce = need(config.labels, terms.ce, 'label CE')
  const kl = need(config.logits !== null, terms.kl, 'logit KL')
  const ins = need(config.params !== null, terms.ins, 'parameter alignment')
  if (!ce && !kl && !ins) throw new Error('TAGI loss: every term is switched off; nothing would be trained')
  let lambda2: tf.Scalar | null = null
  const total = tf.tidy(() => {
    let sum: tf.Tensor = tf.scalar(0)
    if (ce) sum = tf.add(sum, ce)
    if (kl) sum = tf.add(sum, tf.mul(kl, config.logits!.weight))
    if (ins) {
      const weight = config.params!.weighting === 'sigmoid' ? tf.sigmoid(ins) : tf.scalar(config.params!.weight)
      lambda2 = tf.keep(weight) as tf.Scalar
      sum = tf.add(sum, tf.mul(weight, ins))
    }
    return sum as tf.Scalar
  })
  return { total, lambda2 }
}
