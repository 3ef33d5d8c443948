/**
 * InternLM2 shapes for generated (random-weight) models: benchmarks and long-context tests run
 * these without checkpoint files. Figures from the released configs (see shared/ENGINE.md).
 */
import type { InternLM2Config } from '../checkpoint/config.js';

function shape(name: string, hiddenSize: number, heads: number, kvHeads: number, intermediateSize: number, layers: number, vocabSize: number, maxPositions: number): InternLM2Config & { readonly name: string } {
  return {
    name,
    hiddenSize,
    intermediateSize,
    layers,
    heads,
    kvHeads,
    headDim: hiddenSize / heads,
    vocabSize,
    maxPositions,
    ropeTheta: 1e6,
    ropeScaling: null,
    rmsNormEps: 1e-5,
    bosId: 1,
    eosId: 2,
    torchDtype: 'bfloat16',
  };
}

export const MODEL_SHAPES = {
  /** internlm2-chat-1.8b / internlm2_5-1_8b-chat (bf16). */
  '1.8b': shape('1.8b', 2048, 16, 8, 8192, 24, 92544, 32768),
  /** A mid-size model that runs end to end on software Vulkan in seconds per step. */
  mid: shape('mid', 512, 8, 4, 1408, 4, 8192, 32768),
  /** The fixtures' tiny shape with a 32k context, for long-context runs on the CPU path. */
  tiny: shape('tiny', 64, 4, 2, 176, 2, 384, 32768),
  /** One layer, one KV group of head_dim 16: a 32k-token prefill on software Vulkan in minutes. */
  long: shape('long', 32, 2, 1, 64, 1, 384, 32768),
} as const;

export type ModelShapeName = keyof typeof MODEL_SHAPES;
