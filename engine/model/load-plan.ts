/**
 * What loading a checkpoint would need on an adapter, worked out from config.json (and the safetensors
 * headers when the folder has weights) before any weight is read: `harness doctor --model DIR`.
 * Every figure comes from the functions the loader itself plans with — the weight formats and the
 * row chunks of a storage binding of gpu-tensor.ts, the KV cache sizes of memory-plan.ts, the forward
 * chunks and activation sizes of activations.ts — so the plan and a real load cannot disagree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectedTensorShapes, INDEX_FILE, openCheckpoint, SINGLE_FILE } from '../checkpoint/checkpoint.js';
import { readConfig, type InternLM2Config } from '../checkpoint/config.js';
import type { TensorDtype } from '../checkpoint/safetensors.js';
import { UserError } from '../errors.js';
import type { GpuContext } from '../gpu/device.js';
import { chooseWeightFormat, rowsPerChunk, type WeightFormatChoice } from '../gpu/gpu-tensor.js';
import type { WeightFormat } from '../gpu/kernels.js';
import { defaultKernelFamily, type KernelFamily } from './kernel-family.js';
import { matmulSubgroupSize, partialsBufferBytes, type MatmulShape } from './matmul-plan.js';
import { kvCacheBytes, kvLayerBytes, memoryBudget, type MemoryBudget } from './memory-plan.js';
import { activationBytes, maxBinding, rowLimits } from './activations.js';

const WEIGHT_CHOICES: readonly WeightFormatChoice[] = ['native', 'f32', 'f16'];
const BYTES: Record<WeightFormat, number> = { f32: 4, f16: 2, bf16: 2 };

/** The adapter facts a plan depends on. */
export interface PlanAdapter {
  readonly hasShaderF16: boolean;
  /** The largest buffer a kernel may bind: min(maxStorageBufferBindingSize, maxBufferSize). */
  readonly maxBindingBytes: number;
  readonly kernels: KernelFamily;
  /** Smallest subgroup size the matmuls plan for; 0 without subgroups (matmul-plan.ts). */
  readonly subgroupMinSize: number;
}

export interface LoadPlanRequest {
  readonly config: InternLM2Config;
  /** The weights' stored dtype (from the safetensors headers, else config.json's torch_dtype). */
  readonly storedDtype: TensorDtype;
  readonly adapter: PlanAdapter;
  readonly budget: MemoryBudget;
  /** The --weights and --kv-cache the longest context is worked out for. */
  readonly weights: WeightFormatChoice;
  readonly kvCache: 'f32' | 'f16';
}

/** A matrix the loader uploads, as the kernels see it (w1 and w3 stacked into one). */
export interface PlannedMatrix {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly format: WeightFormat;
  readonly bytes: number;
  /** Row chunks it is split into to fit a storage binding (1: not split), and rows per chunk. */
  readonly chunks: number;
  readonly rowsPerChunk: number;
}

export interface LoadPlan {
  readonly parameters: number;
  /** Bytes of weights on the GPU per --weights choice, with the matrices' format; absent where the adapter cannot (f16 without shader-f16). */
  readonly weightBytes: Partial<Record<WeightFormatChoice, { readonly bytes: number; readonly format: WeightFormat }>>;
  readonly kvBytesPerToken: { readonly f32: number; readonly f16: number };
  /** Rows per forward chunk and rows scored per pass (the loader's defaults for this binding limit). */
  readonly chunkRows: number;
  readonly pickRows: number;
  /** Activation bytes with an empty cache, and what each further position of context adds (split-K partials, prefix-copy scratch). */
  readonly activationBytesBase: number;
  readonly activationBytesPerPosition: number;
  readonly budget: MemoryBudget;
  readonly bindingBytes: number;
  readonly weights: WeightFormatChoice;
  readonly kvCache: 'f32' | 'f16';
  /** Longest context for one sequence within the budget and binding limit, and what limits it. */
  readonly longestContext: number;
  readonly limitedBy: 'budget' | 'binding' | 'weights';
  /** The same with a second sequence slot (the session's prefix cache). */
  readonly longestContextWithPrefixCache: number;
  /** Matrices larger than a storage binding, split into row chunks (in the --weights choice's format). */
  readonly splitMatrices: readonly PlannedMatrix[];
}

/** torch_dtype → the safetensors dtype a release of it stores. */
export function storedDtypeOf(config: InternLM2Config): TensorDtype {
  switch (config.torchDtype) {
    case 'bfloat16':
      return 'BF16';
    case 'float16':
      return 'F16';
    default:
      return 'F32';
  }
}

/** The matrices uploadWeights creates, with their shapes (weights.ts: w1 over w3 as one). */
function uploadedMatrices(c: InternLM2Config): { name: string; rows: number; cols: number; perModel: number }[] {
  const qkvRows = (c.heads + 2 * c.kvHeads) * c.headDim;
  return [
    { name: 'model.tok_embeddings.weight', rows: c.vocabSize, cols: c.hiddenSize, perModel: 1 },
    { name: 'model.layers.*.attention.wqkv.weight', rows: qkvRows, cols: c.hiddenSize, perModel: c.layers },
    { name: 'model.layers.*.attention.wo.weight', rows: c.hiddenSize, cols: c.heads * c.headDim, perModel: c.layers },
    { name: 'model.layers.*.feed_forward.w1+w3.weight', rows: 2 * c.intermediateSize, cols: c.hiddenSize, perModel: c.layers },
    { name: 'model.layers.*.feed_forward.w2.weight', rows: c.hiddenSize, cols: c.intermediateSize, perModel: c.layers },
    { name: 'output.weight', rows: c.vocabSize, cols: c.hiddenSize, perModel: 1 },
  ];
}

/** Bytes on the GPU for `choice`: matrices in the chosen format, norm gains in f32 (as plannedWeightBytes counts them). */
function weightBytesFor(c: InternLM2Config, dtype: TensorDtype, choice: WeightFormatChoice, hasShaderF16: boolean): { bytes: number; format: WeightFormat } {
  const format = chooseWeightFormat(dtype, choice, hasShaderF16);
  let bytes = 0;
  for (const shape of expectedTensorShapes(c).values()) {
    const elements = shape.reduce((a, b) => a * b, 1);
    bytes += elements * (shape.length === 2 ? BYTES[format] : 4);
  }
  return { bytes, format };
}

/** The plan for `request`; pure arithmetic on the config and the adapter facts. */
export function planLoad(request: LoadPlanRequest): LoadPlan {
  const { config: c, adapter, budget } = request;
  const parameters = [...expectedTensorShapes(c).values()].reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  const weightBytes: LoadPlan['weightBytes'] = {};
  for (const choice of WEIGHT_CHOICES) {
    if (choice === 'f16' && !adapter.hasShaderF16) continue;
    weightBytes[choice] = weightBytesFor(c, request.storedDtype, choice, adapter.hasShaderF16);
  }
  const chosen = weightBytes[request.weights];
  if (!chosen) {
    throw new UserError('--weights f16 needs the adapter feature shader-f16, which this adapter lacks', 'use --weights native or f32 (harness doctor lists the features)');
  }

  if (request.kvCache === 'f16' && !adapter.hasShaderF16) {
    throw new UserError('an f16 KV cache needs the adapter feature shader-f16, which this adapter lacks', 'use the default f32 KV cache (harness doctor lists the features)');
  }
  const binding = adapter.maxBindingBytes;
  const { chunkRows, pickRows } = rowLimits(c, binding, undefined);
  const matrices: PlannedMatrix[] = uploadedMatrices(c).map(({ name, rows, cols }) => {
    const perChunk = Math.min(rows, rowsPerChunk(name, 'config.json', rows, cols, chosen.format, binding));
    return { name, rows, cols, format: chosen.format, bytes: rows * cols * BYTES[chosen.format], chunks: Math.ceil(rows / perChunk), rowsPerChunk: perChunk };
  });
  // The GPU family's decode scratch, sized by the largest W chunk (none for the CPU family or with subgroups).
  const shapes: MatmulShape[] = matrices.filter((m) => m.name !== 'model.tok_embeddings.weight').map((m) => ({ n: m.rowsPerChunk, k: m.cols }));
  const scratch = partialsBufferBytes({ kernels: adapter.kernels, subgroupMinSize: adapter.subgroupMinSize }, shapes);
  const activationBytesBase = activationBytes(c, chunkRows, pickRows, 0, scratch);
  // Linear in the cache length except for the split-K partials' rounding up to whole segments: per position at a large length.
  const probe = 1 << 20;
  const activationBytesPerPosition = (activationBytes(c, chunkRows, pickRows, probe, scratch) - activationBytesBase) / probe;

  const kvBytesPerValue = request.kvCache === 'f16' ? 2 : 4;
  const fits = (slots: number, length: number): boolean =>
    kvLayerBytes(c, slots, length, kvBytesPerValue) <= binding &&
    chosen.bytes + activationBytes(c, chunkRows, pickRows, length, scratch) + kvCacheBytes(c, slots, length, kvBytesPerValue) <= budget.bytes;
  const longest = (slots: number): number => {
    if (!fits(slots, 1)) return 0;
    let low = 1;
    let high = 2;
    while (fits(slots, high)) {
      low = high;
      high *= 2;
    }
    // fits(low), not fits(high): bisect.
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (fits(slots, mid)) low = mid;
      else high = mid;
    }
    return low;
  };
  const longestContext = longest(1);
  const byBinding = Math.floor(binding / kvLayerBytes(c, 1, 1, kvBytesPerValue));
  const limitedBy = longestContext === 0 ? 'weights' : longestContext === byBinding ? 'binding' : 'budget';
  return {
    parameters,
    weightBytes,
    kvBytesPerToken: { f32: kvCacheBytes(c, 1, 1, 4), f16: kvCacheBytes(c, 1, 1, 2) },
    chunkRows,
    pickRows,
    activationBytesBase,
    activationBytesPerPosition,
    budget,
    bindingBytes: binding,
    weights: request.weights,
    kvCache: request.kvCache,
    longestContext,
    limitedBy,
    longestContextWithPrefixCache: longest(2),
    splitMatrices: matrices.filter((m) => m.chunks > 1),
  };
}

export interface FolderPlan {
  readonly dir: string;
  readonly config: InternLM2Config;
  readonly storedDtype: TensorDtype;
  /** Where the stored dtype came from: the weights' headers, or config.json when the folder has no weights. */
  readonly dtypeSource: 'safetensors headers' | 'config.json torch_dtype';
  readonly hasWeights: boolean;
  readonly plan: LoadPlan;
}

/**
 * The plan for a checkpoint folder on `context`: config.json, and the safetensors headers (never the
 * tensor data) when the folder has weights, which are then also checked as loading would check them.
 */
export async function planCheckpointFolder(
  dir: string,
  context: GpuContext,
  options: { gpuMemory?: string; weights?: WeightFormatChoice; kvCache?: 'f32' | 'f16'; kernels?: KernelFamily } = {},
): Promise<FolderPlan> {
  const hasWeights = existsSync(join(dir, SINGLE_FILE)) || existsSync(join(dir, INDEX_FILE));
  let config: InternLM2Config;
  let storedDtype: TensorDtype;
  if (hasWeights) {
    const checkpoint = await openCheckpoint(dir);
    config = checkpoint.config;
    const embedding = checkpoint.tensors.get('model.tok_embeddings.weight');
    storedDtype = embedding?.dtype ?? storedDtypeOf(config);
  } else {
    config = await readConfig(dir);
    storedDtype = storedDtypeOf(config);
  }
  const plan = planLoad({
    config,
    storedDtype,
    adapter: {
      hasShaderF16: context.hasShaderF16,
      maxBindingBytes: maxBinding(context),
      kernels: options.kernels ?? defaultKernelFamily(context.adapter),
      subgroupMinSize: matmulSubgroupSize(context),
    },
    budget: memoryBudget(context, options.gpuMemory),
    weights: options.weights ?? 'native',
    kvCache: options.kvCache ?? 'f32',
  });
  return { dir, config, storedDtype, dtypeSource: hasWeights ? 'safetensors headers' : 'config.json torch_dtype', hasWeights, plan };
}
