/**
 * GPU memory planning. WebGPU cannot report free memory, so the engine adds up what it will
 * allocate — weights, KV cache, activations — and refuses up front, with a UserError that says
 * what to change, when a requested length or batch would not fit the budget (`--gpu-memory`, env
 * GNOMON_GPU_MEMORY) or a storage binding. Failing later would mean a lost device or, on some
 * drivers, silently wrong numbers.
 */
import { totalmem } from 'node:os';
import type { InternLM2Config } from '../checkpoint/config.js';
import type { GpuContext } from '../gpu/device.js';
import { UserError } from '../errors.js';

const GIB = 2 ** 30;

/** Default budget on a hardware GPU: the size of the smallest common 16 GiB card. */
export const DEFAULT_GPU_MEMORY_GIB = 16;

export interface MemoryBudget {
  readonly bytes: number;
  /** Where the figure came from, for messages. */
  readonly source: string;
}

/** Parses `--gpu-memory` values: a number of GiB ("80", "7.5") or with a unit ("80GiB", "512MiB", "24GB"). */
export function parseMemorySize(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gib|gb|g|mib|mb|m)?\s*$/i.exec(text);
  if (!match) throw new UserError(`${what} "${text}" is not a memory size`, 'give GiB as a number (e.g. 80) or with a unit: 80GiB, 512MiB');
  const value = Number(match[1]);
  const unit = (match[2] ?? 'gib').toLowerCase();
  const bytes = unit.startsWith('g') ? value * (unit === 'gb' ? 1e9 : GIB) : value * (unit === 'mb' ? 1e6 : 2 ** 20);
  if (!(bytes > 0)) throw new UserError(`${what} "${text}" must be positive`, 'give the GPU memory the engine may use, e.g. 80 for an 80 GiB card');
  return bytes;
}

/**
 * The budget: an explicit value, else env GNOMON_GPU_MEMORY, else half the host's memory for a
 * software (CPU) adapter, whose "GPU memory" is host memory, else DEFAULT_GPU_MEMORY_GIB.
 */
export function memoryBudget(context: GpuContext, explicit?: string | number): MemoryBudget {
  if (typeof explicit === 'number') return { bytes: explicit, source: `${(explicit / GIB).toFixed(1)} GiB (as given)` };
  if (explicit !== undefined && explicit !== '') return { bytes: parseMemorySize(explicit, '--gpu-memory'), source: `--gpu-memory ${explicit}` };
  const env = process.env.GNOMON_GPU_MEMORY;
  if (env) return { bytes: parseMemorySize(env, 'GNOMON_GPU_MEMORY'), source: `GNOMON_GPU_MEMORY=${env}` };
  if (isSoftwareAdapter(context)) {
    const bytes = totalmem() / 2;
    return { bytes, source: `half the host memory (${(bytes / GIB).toFixed(1)} GiB; software adapter)` };
  }
  return { bytes: DEFAULT_GPU_MEMORY_GIB * GIB, source: `the default of ${DEFAULT_GPU_MEMORY_GIB} GiB` };
}

export function isSoftwareAdapter(context: GpuContext): boolean {
  const a = context.adapter;
  return a.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software/i.test(`${a.description} ${a.device} ${a.architecture}`);
}

/** KV cache bytes for `slots` sequences of `maxLen` positions, all layers, keys and values. */
export function kvCacheBytes(config: InternLM2Config, slots: number, maxLen: number, bytesPerValue = 4): number {
  return config.layers * 2 * kvLayerBytes(config, slots, maxLen, bytesPerValue);
}

/** One layer's key (or value) cache: one storage binding. */
export function kvLayerBytes(config: InternLM2Config, slots: number, maxLen: number, bytesPerValue = 4): number {
  return slots * maxLen * config.kvHeads * config.headDim * bytesPerValue;
}

export interface MemoryPlan {
  readonly weights: number;
  readonly activations: number;
  readonly kvCache: number;
  readonly total: number;
}

export interface MemoryRequest {
  readonly config: InternLM2Config;
  readonly weightBytes: number;
  readonly activationBytes: number;
  readonly slots: number;
  readonly maxLen: number;
  readonly budget: MemoryBudget;
  readonly maxBindingBytes: number;
  /** 4 for an f32 KV cache (default), 2 for f16. */
  readonly kvBytesPerValue?: number;
}

function gib(bytes: number): string {
  return bytes >= GIB / 4 ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Refuses a model whose weights and fixed activations alone exceed the budget (before uploading). */
export function checkWeightsFit(weightBytes: number, activationBytes: number, budget: MemoryBudget): void {
  if (weightBytes + activationBytes > budget.bytes) {
    throw new UserError(
      `the model needs ${gib(weightBytes + activationBytes)} of GPU memory before any KV cache (weights ${gib(weightBytes)}, activations ${gib(activationBytes)}), more than the budget of ${gib(budget.bytes)} from ${budget.source}`,
      'if the GPU has more memory than that, say so with --gpu-memory GIB (or env GNOMON_GPU_MEMORY); otherwise use --weights native/f16 rather than f32, or a smaller model',
    );
  }
}

/** Positions that fit per sequence for `slots` sequences, by budget and binding (0 if none). */
export function positionsThatFit(request: Omit<MemoryRequest, 'maxLen'>): number {
  const perPosition = kvCacheBytes(request.config, request.slots, 1, request.kvBytesPerValue);
  const byBudget = Math.floor((request.budget.bytes - request.weightBytes - request.activationBytes) / perPosition);
  const byBinding = Math.floor(request.maxBindingBytes / kvLayerBytes(request.config, request.slots, 1, request.kvBytesPerValue));
  return Math.max(0, Math.min(byBudget, byBinding));
}

/** Sequences of `maxLen` positions that fit at once (0 if not even one). */
export function slotsThatFit(request: Omit<MemoryRequest, 'slots'>): number {
  const perSlot = kvCacheBytes(request.config, 1, request.maxLen, request.kvBytesPerValue);
  const byBudget = Math.floor((request.budget.bytes - request.weightBytes - request.activationBytes) / perSlot);
  const byBinding = Math.floor(request.maxBindingBytes / kvLayerBytes(request.config, 1, request.maxLen, request.kvBytesPerValue));
  return Math.max(0, Math.min(byBudget, byBinding));
}

/** The plan for a KV cache of `slots` × `maxLen`, or a UserError saying what fits instead. */
export function planMemory(request: MemoryRequest): MemoryPlan {
  const { config, slots, maxLen, budget } = request;
  const kvCache = kvCacheBytes(config, slots, maxLen, request.kvBytesPerValue);
  const total = request.weightBytes + request.activationBytes + kvCache;
  const layer = kvLayerBytes(config, slots, maxLen, request.kvBytesPerValue);
  const fitLength = positionsThatFit(request);
  const fitSlots = slotsThatFit(request);
  const alternatives = `${slots} sequence(s) fit up to ${fitLength} tokens; ${fitSlots} sequence(s) of ${maxLen} tokens fit`;
  if (layer > request.maxBindingBytes) {
    throw new UserError(
      `the KV cache for ${slots} sequence(s) of ${maxLen} tokens needs ${gib(layer)} per layer for keys (and as much for values), more than this adapter's storage binding limit of ${gib(request.maxBindingBytes)} (${alternatives})`,
      'use shorter contexts or a smaller batch, or a GPU with a larger maxStorageBufferBindingSize (harness doctor shows it)',
    );
  }
  if (total > budget.bytes) {
    throw new UserError(
      `${slots} sequence(s) of ${maxLen} tokens need ${gib(total)} of GPU memory (weights ${gib(request.weightBytes)}, KV cache ${gib(kvCache)}, activations ${gib(request.activationBytes)}), more than the budget of ${gib(budget.bytes)} from ${budget.source} (${alternatives})`,
      'use shorter contexts or a smaller batch; if the GPU has more memory than that, say so with --gpu-memory GIB (or env GNOMON_GPU_MEMORY)',
    );
  }
  return { weights: request.weightBytes, activations: request.activationBytes, kvCache, total };
}
