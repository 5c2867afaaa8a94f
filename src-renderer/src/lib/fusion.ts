/** How the Playground describes a hypernetwork's instruction fusion (contract `FusionMode`). */
import type { FusionMode } from '../../../src-main/contract/index.ts'

export const FUSION_DESCRIPTIONS: Record<FusionMode, string> = {
  'decoder-concat': 'instruction states join the decoder memory',
  'encoder-cross-attention': 'instruction states read by every encoder layer (paper Eq. 1) and joined to the decoder memory',
  none: 'no instruction fusion',
}
