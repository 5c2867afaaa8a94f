/** T5 feed-forward: ReLU `wi`→`wo` (v1.0) or gated-GELU `gelu_new(wi_0)·wi_1`→`wo` (v1.1 / LM-adapt). */
import { tf } from '../../backend/index.ts'
import { geluNew } from '../../backend/ops.ts'
import { loraLinear } from '../lora/apply.ts'
import { dropout, weight, type T5RunContext } from './context.ts'

export function feedForward(ctx: T5RunContext, prefix: string, x: tf.Tensor3D): tf.Tensor3D {
  const lin = (input: tf.Tensor3D, name: string) => loraLinear(input, weight(ctx, `${prefix}.${name}.weight`), `${prefix}.${name}`, ctx.adapters, ctx.training)
  let hidden: tf.Tensor3D
  switch (ctx.config.feedForwardProj) {
    case 'relu':
      hidden = tf.relu(lin(x, 'wi'))
      break
    case 'gated-gelu':
      hidden = tf.mul(geluNew(lin(x, 'wi_0')), lin(x, 'wi_1'))
      break
    default:
      throw new Error(`T5: unsupported feed_forward_proj '${String(ctx.config.feedForwardProj)}'`)
  }
  return lin(dropout(ctx, hidden), 'wo')
}
