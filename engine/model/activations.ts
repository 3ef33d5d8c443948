/**
 * The forward pass's activation memory: how many rows a chunk and a pick group hold (bounded by the
 * storage-binding limit), the per-chunk buffers themselves, and what they cost in the memory plan.
 * Every buffer holds `chunkRows` rows (or `pickRows` picked rows), whatever the context length, so a
 * long prompt runs in chunks at bounded memory.
 */
import { MAX_QUERY_HEADS_PER_KV_HEAD, type InternLM2Config } from '../checkpoint/config.js';
import type { GpuContext } from '../gpu/device.js';
import { UserError } from '../errors.js';
import { createStorageBuffer } from '../gpu/gpu-tensor.js';
import { kvLayerBytes } from './memory-plan.js';

/** Rows up to which attention runs split-K (decode); more rows run the tiled prefill kernel. */
export const SPLIT_ATTENTION_MAX_ROWS = 8;
/** Keys per split-K segment (SEG in the attention shaders). */
export const ATTENTION_SEGMENT = 256;

export type ActivationBufferName = 'x' | 'h' | 'qkv' | 'q' | 'attn' | 'gateUp' | 'gated' | 'tokens' | 'rowMeta' | 'rope' | 'pickIndex' | 'pickTargets' | 'picked' | 'pickedNormed' | 'logits' | 'pickResult';
export type ActivationBuffers = Readonly<Record<ActivationBufferName, GPUBuffer>>;

/** The largest buffer the adapter binds to one shader slot. */
export function maxBinding(context: GpuContext): number {
  return Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
}

/** Refuses shapes the kernels do not implement, naming `where` (config.json or 'config'). */
export function checkModelShape(c: InternLM2Config, where: string): void {
  if (c.headDim > 256 || c.headDim % 2 !== 0) {
    throw new UserError(`${where}: head dimension ${c.headDim} is not supported (even, at most 256)`, 'check hidden_size and num_attention_heads');
  }
  if (c.heads / c.kvHeads > MAX_QUERY_HEADS_PER_KV_HEAD) {
    throw new UserError(`${where}: ${c.heads / c.kvHeads} query heads per key/value head are not supported (at most ${MAX_QUERY_HEADS_PER_KV_HEAD})`, 'check num_attention_heads and num_key_value_heads');
  }
}

/** Rows per forward chunk and per pick group: the widest row buffer must fit one binding. */
export function rowLimits(c: InternLM2Config, bindingBytes: number, requested: number | undefined): { chunkRows: number; pickRows: number } {
  const widest = Math.max(2 * c.intermediateSize, (c.heads + 2 * c.kvHeads) * c.headDim, c.hiddenSize) * 4;
  const chunkRows = Math.max(1, Math.min(requested ?? 512, Math.floor(bindingBytes / widest), 65535));
  const pickRows = Math.max(1, Math.min(chunkRows, 256, Math.floor(bindingBytes / (c.vocabSize * 4))));
  return { chunkRows, pickRows };
}

/**
 * Activation memory: the per-chunk buffers (createActivationBuffers), the split-K attention partials
 * and the prefix-copy scratch, which grow with the cache length, and `matmulScratchBytes` of matmul
 * chunk sums (the 'gpu' kernel family's decode path without subgroups, matmul-plan.ts).
 */
export function activationBytes(c: InternLM2Config, chunkRows: number, pickRows: number, maxLen: number, matmulScratchBytes: number): number {
  const qkvWidth = (c.heads + 2 * c.kvHeads) * c.headDim;
  const perRow = 4 * (2 * c.hiddenSize + qkvWidth + 2 * c.heads * c.headDim + 3 * c.intermediateSize + 1 + 2 + c.headDim);
  const perPick = 4 * (2 + 2 * c.hiddenSize + c.vocabSize + 4);
  const partials = SPLIT_ATTENTION_MAX_ROWS * c.heads * Math.ceil(maxLen / ATTENTION_SEGMENT) * (c.headDim + 2) * 4;
  return chunkRows * perRow + pickRows * perPick + partials + kvLayerBytes(c, 1, maxLen) + matmulScratchBytes;
}

/** The buffers one chunk of rows and one group of picked rows flow through (f32 activations). */
export function createActivationBuffers(device: GPUDevice, c: InternLM2Config, chunkRows: number, pickRows: number): ActivationBuffers {
  const f = 4;
  const qkvWidth = (c.heads + 2 * c.kvHeads) * c.headDim;
  const make = (label: string, bytes: number): GPUBuffer => createStorageBuffer(device, bytes, label);
  return {
    x: make('x', chunkRows * c.hiddenSize * f),
    h: make('h', chunkRows * c.hiddenSize * f),
    qkv: make('qkv', chunkRows * qkvWidth * f),
    q: make('q', chunkRows * c.heads * c.headDim * f),
    attn: make('attn', chunkRows * c.heads * c.headDim * f),
    // Each row: w1 x then w3 x (the stacked matmul's output), and silu(w1 x) · w3 x for w2.
    gateUp: make('gateUp', chunkRows * 2 * c.intermediateSize * f),
    gated: make('gated', chunkRows * c.intermediateSize * f),
    tokens: make('tokens', chunkRows * 4),
    rowMeta: make('rowMeta', chunkRows * 8),
    rope: make('rope', chunkRows * c.headDim * f),
    pickIndex: make('pickIndex', pickRows * 4),
    pickTargets: make('pickTargets', pickRows * 4),
    picked: make('picked', pickRows * c.hiddenSize * f),
    pickedNormed: make('pickedNormed', pickRows * c.hiddenSize * f),
    logits: make('logits', pickRows * c.vocabSize * f),
    pickResult: make('pickResult', pickRows * 16),
  };
}
