/**
 * What a forward call of the model takes (rows of ragged sequences, picked rows) and returns (the
 * picked rows' log-probs and argmax), and the options a model is loaded with.
 */
import type { LoadProfile, TransposeSite } from '../gpu/chunk-placer.js';
import type { WeightFormatChoice } from '../gpu/gpu-tensor.js';
import type { KernelFamily } from './kernel-family.js';
import type { KvCacheFormat } from './kv-cache.js';
import type { AttentionKernelChoice } from './layer-graph.js';
import type { MemoryBudget } from './memory-plan.js';

export interface ForwardRow {
  readonly token: number;
  readonly slot: number;
  readonly position: number;
  /** RoPE base for this row's sequence (see rope.ts for the convention). */
  readonly ropeBase: number;
}

/** A row whose next-token distribution is wanted; `target` is the token to score (if any). */
export interface Pick {
  readonly row: number;
  readonly target: number | undefined;
}

export interface PickResult {
  /** log p(target); 0 when the pick has no target. */
  readonly targetLogprob: number;
  readonly argmax: number;
  readonly maxLogit: number;
  readonly logSumExp: number;
}

export interface ForwardResult {
  readonly picks: PickResult[];
  /** Full logits per pick, only when asked for (sampling). */
  readonly logits?: Float32Array[];
}

export interface ModelLoadOptions {
  readonly weightFormat: WeightFormatChoice;
  /** Rows per forward chunk; defaults to what fits the binding limit, at most 512. */
  readonly chunkRows?: number;
  /** Caps the storage-binding size below the adapter's (tests: forces tensors to split into chunks). */
  readonly maxBindingBytes?: number;
  /** GPU memory the engine may use: GiB as a number string or with a unit, or bytes (see memory-plan.ts). */
  readonly gpuMemory?: string | number;
  /** KV cache storage: 'f32' (default; the fixture goldens) or 'f16' (half the memory; needs shader-f16). */
  readonly kvCache?: KvCacheFormat;
  /** Kernel family; defaults to the adapter's kind (see kernel-family.ts). Results are identical either way. */
  readonly kernels?: KernelFamily;
  /** false: the 'gpu' family's decode matmuls run without subgroups even where the adapter has them (matmul-plan.ts). */
  readonly subgroups?: boolean;
  /** Where the matmul weights are transposed to their layout: 'device' or 'host'; default by kernel family ('cpu': host). */
  readonly transpose?: TransposeSite;
  /** Collects the load's host seconds by phase (bench/load.ts). */
  readonly profile?: LoadProfile;
}

/** Options of a model over weights already on the GPU (fromWeights). */
export interface ModelOptions {
  readonly chunkRows?: number;
  readonly pickRows?: number;
  readonly budget?: MemoryBudget;
  readonly gpuMemory?: string | number;
  readonly maxBindingBytes?: number;
  readonly attention?: AttentionKernelChoice;
  readonly kvCache?: KvCacheFormat;
  readonly kernels?: KernelFamily;
  readonly subgroups?: boolean;
}

