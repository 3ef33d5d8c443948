/**
 * InternLM2 forward pass on the GPU:
 *   embed → [RMSNorm → wqkv → RoPE + KV cache write → GQA attention → wo (+residual) →
 *            RMSNorm → w1 over w3 (one matmul) → SwiGLU → w2 (+residual)] × layers → (picked rows only) norm → output
 *   → log-softmax / argmax.
 *
 * A forward call takes ragged rows: each row is one token of some sequence, with the cache slot it
 * belongs to and its position. Rows are processed in chunks of `chunkRows` (bounded activation
 * memory at any context length); every kernel computes each row independently, so a row's result
 * never depends on the other rows in its chunk (batch invariance). Bind groups are built once; per
 * chunk only the row count, row metadata and RoPE table are written.
 */
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import { MAX_QUERY_HEADS_PER_KV_HEAD, type InternLM2Config } from '../checkpoint/config.js';
import type { GpuContext } from '../gpu/device.js';
import { UserError } from '../errors.js';
import { planAttentionTiles } from './attention-plan.js';
import { createStorageBuffer, type GpuMatrix, type WeightFormatChoice } from '../gpu/gpu-tensor.js';
import { kernelCache } from '../gpu/kernels.js';
import { defaultKernelFamily, type KernelFamily } from './kernel-family.js';
import { matmulBindings, matmulKernel, matmulSubgroupSize, matmulVariants, MAX_PARTIALS_BYTES, partialsBufferBytes, type MatmulShape, type MatmulTarget } from './matmul-plan.js';
import type { PassTimer } from '../gpu/pass-timer.js';
import { writeRopeRow } from './rope.js';
import { createUniform, StepUniform } from '../gpu/uniforms.js';
import { destroyWeights, plannedWeightBytes, uploadWeights, type ModelWeights } from './weights.js';
import { checkWeightsFit, kvLayerBytes, memoryBudget, planMemory, slotsThatFit, type MemoryBudget, type MemoryPlan, type MemoryRequest } from './memory-plan.js';

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

interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: (rows: number) => [number, number, number];
  /** Kernel variants chosen by row count compute identical results (see the shaders); absent: always. */
  readonly when?: (rows: number) => boolean;
}

/** Rows up to which attention runs split-K (decode); more rows run the tiled prefill kernel. */
const SPLIT_ATTENTION_MAX_ROWS = 8;
/** Keys per split-K segment (SEG in the attention shaders). */
const ATTENTION_SEGMENT = 256;

const NO_TARGET = 0xffffffff;

/**
 * 'blocked': the engine's attention (the default): split-K decode and whole-row prefill in 64-key
 * blocks, by the kernel family's kernels (tiled on GPUs, register blocks on CPUs);
 * 'per-row': the original one workgroup per (head, row) kernel, kept as the baseline for
 * long-context checks and benchmarks.
 */
export type AttentionKernelChoice = 'blocked' | 'per-row';

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
}

export type KvCacheFormat = 'f32' | 'f16';

function maxBinding(context: GpuContext): number {
  return Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize);
}

/**
 * Activation memory: the per-chunk buffers (see the constructor), the split-K attention partials
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

/** The row chunks of every matrix the matmuls read, as the kernels see them. */
function matmulShapes(weights: ModelWeights): MatmulShape[] {
  const matrices = [weights.output, ...weights.layers.flatMap((layer) => [layer.wqkv, layer.wo, layer.w13, layer.w2])];
  return matrices.flatMap((w) => w.chunks.map((chunk) => ({ n: chunk.rowCount, k: w.cols })));
}

export class InternLM2Model {
  readonly config: InternLM2Config;
  readonly context: GpuContext;
  readonly weights: ModelWeights;
  readonly chunkRows: number;
  readonly pickRows: number;
  private readonly device: GPUDevice;
  private readonly buffers: Record<'x' | 'h' | 'qkv' | 'q' | 'attn' | 'gateUp' | 'gated' | 'tokens' | 'rowMeta' | 'rope' | 'pickIndex' | 'pickTargets' | 'picked' | 'pickedNormed' | 'logits' | 'pickResult', GPUBuffer>;
  private readonly layerStep: StepUniform;
  private readonly pickStep: StepUniform;
  private layerDispatches: Dispatch[] = [];
  private pickDispatches: Dispatch[] = [];
  /** The greedy decode's token feedback (built on first use). */
  private feedDispatch: Dispatch | undefined;
  private kvSlots = 0;
  private kvMaxLen = 0;
  private kvBuffers: { k: GPUBuffer; v: GPUBuffer }[] = [];
  private kvScratch: GPUBuffer | undefined;
  private attentionPartial: GPUBuffer | undefined;
  /** The matmul chunk sums of the 'gpu' family's decode path (none for 'cpu'; see matmul-plan.ts). */
  private matmulPartials: GPUBuffer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  readonly budget: MemoryBudget;
  private readonly bindingBytes: number;
  private attentionChoice: AttentionKernelChoice = 'blocked';
  private kvFormat: KvCacheFormat = 'f32';
  /** Kernel family (see kernel-family.ts): set before the first forward pass builds dispatches. */
  private kernels: KernelFamily = 'gpu';
  /** Smallest subgroup size the matmuls plan for; 0: they run without subgroups (matmul-plan.ts). */
  private subgroupMinSize = 0;
  /** When set, every compute pass is timed (benchmarks: GPU time against wall time). */
  passTimer: PassTimer | undefined;
  private get kvBytesPerValue(): number {
    return this.kvFormat === 'f16' ? 2 : 4;
  }

  private constructor(context: GpuContext, config: InternLM2Config, weights: ModelWeights, chunkRows: number, pickRows: number, budget: MemoryBudget, bindingBytes: number) {
    this.budget = budget;
    this.bindingBytes = bindingBytes;
    this.context = context;
    this.device = context.device;
    this.config = config;
    this.weights = weights;
    this.chunkRows = chunkRows;
    this.pickRows = pickRows;
    const c = config;
    const f = 4;
    const qkvWidth = (c.heads + 2 * c.kvHeads) * c.headDim;
    const make = (label: string, bytes: number, usage = 0): GPUBuffer => createStorageBuffer(this.device, bytes, label, usage);
    this.buffers = {
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
    this.layerStep = new StepUniform(this.device, 'layer rows');
    this.pickStep = new StepUniform(this.device, 'picked rows');
  }

  static async load(context: GpuContext, checkpoint: Checkpoint, options: ModelLoadOptions): Promise<InternLM2Model> {
    const c = checkpoint.config;
    InternLM2Model.checkShape(c, `${checkpoint.dir}/config.json`);
    const bindingBytes = Math.min(maxBinding(context), options.maxBindingBytes ?? Infinity);
    const { chunkRows, pickRows } = InternLM2Model.rowLimits(c, bindingBytes, options.chunkRows);
    const budget = memoryBudget(context, options.gpuMemory);
    // Refuse before uploading anything when the weights and activations alone exceed the budget.
    // The matmul scratch at its cap: the kernels, hence the scratch they need, are chosen after upload.
    checkWeightsFit(plannedWeightBytes(context, checkpoint, options.weightFormat), activationBytes(c, chunkRows, pickRows, 0, MAX_PARTIALS_BYTES), budget);
    const weights = await uploadWeights(context, checkpoint, options.weightFormat, bindingBytes);
    return InternLM2Model.fromWeights(context, c, weights, { chunkRows, pickRows, budget, maxBindingBytes: bindingBytes, ...(options.kvCache ? { kvCache: options.kvCache } : {}), ...(options.kernels ? { kernels: options.kernels } : {}), ...(options.subgroups === false ? { subgroups: false } : {}) });
  }

  /** A model over weights already on the GPU (generated ones in benchmarks: see random-weights.ts). */
  static async fromWeights(
    context: GpuContext,
    config: InternLM2Config,
    weights: ModelWeights,
    options: { chunkRows?: number; pickRows?: number; budget?: MemoryBudget; gpuMemory?: string | number; maxBindingBytes?: number; attention?: AttentionKernelChoice; kvCache?: KvCacheFormat; kernels?: KernelFamily; subgroups?: boolean } = {},
  ): Promise<InternLM2Model> {
    InternLM2Model.checkShape(config, 'config');
    const bindingBytes = Math.min(maxBinding(context), options.maxBindingBytes ?? Infinity);
    const limits = InternLM2Model.rowLimits(config, bindingBytes, options.chunkRows);
    const budget = options.budget ?? memoryBudget(context, options.gpuMemory);
    const model = new InternLM2Model(context, config, weights, limits.chunkRows, options.pickRows ?? limits.pickRows, budget, bindingBytes);
    model.attentionChoice = options.attention ?? 'blocked';
    model.kvFormat = options.kvCache ?? 'f32';
    model.kernels = options.kernels ?? defaultKernelFamily(context.adapter);
    model.subgroupMinSize = options.subgroups === false ? 0 : matmulSubgroupSize(context);
    if (model.kvFormat === 'f16' && !context.hasShaderF16) {
      throw new UserError('an f16 KV cache needs the adapter feature shader-f16, which this adapter lacks', 'use the default f32 KV cache (harness doctor lists the features)');
    }
    if (model.kvFormat === 'f16' && model.attentionChoice === 'per-row') throw new Error('the per-row attention baseline reads an f32 KV cache only');
    const partialsBytes = partialsBufferBytes(model.matmulTarget, matmulShapes(weights));
    if (partialsBytes > 0) model.matmulPartials = createStorageBuffer(model.device, partialsBytes, 'matmul chunk sums');
    await model.buildPickDispatches();
    return model;
  }

  private static checkShape(c: InternLM2Config, where: string): void {
    if (c.headDim > 256 || c.headDim % 2 !== 0) {
      throw new UserError(`${where}: head dimension ${c.headDim} is not supported (even, at most 256)`, 'check hidden_size and num_attention_heads');
    }
    if (c.heads / c.kvHeads > MAX_QUERY_HEADS_PER_KV_HEAD) {
      throw new UserError(`${where}: ${c.heads / c.kvHeads} query heads per key/value head are not supported (at most ${MAX_QUERY_HEADS_PER_KV_HEAD})`, 'check num_attention_heads and num_key_value_heads');
    }
  }

  private static rowLimits(c: InternLM2Config, bindingBytes: number, requested: number | undefined): { chunkRows: number; pickRows: number } {
    const widest = Math.max(2 * c.intermediateSize, (c.heads + 2 * c.kvHeads) * c.headDim, c.hiddenSize) * 4;
    const chunkRows = Math.max(1, Math.min(requested ?? 512, Math.floor(bindingBytes / widest), 65535));
    const pickRows = Math.max(1, Math.min(chunkRows, 256, Math.floor(bindingBytes / (c.vocabSize * 4))));
    return { chunkRows, pickRows };
  }

  /** The memory plan for a KV cache of `slots` × `maxLen`; throws a UserError when it does not fit. */
  planFor(slots: number, maxLen: number): MemoryPlan {
    return planMemory({ ...this.memoryRequest(maxLen), slots });
  }

  /** Sequences of `maxLen` positions the KV cache can hold at once within the budget and binding limit. */
  kvSlotsThatFit(maxLen: number): number {
    return slotsThatFit(this.memoryRequest(maxLen));
  }

  private memoryRequest(maxLen: number): Omit<MemoryRequest, 'slots'> {
    return {
      config: this.config,
      weightBytes: this.weights.bytes,
      activationBytes: activationBytes(this.config, this.chunkRows, this.pickRows, maxLen, this.matmulPartials?.size ?? 0),
      maxLen,
      budget: this.budget,
      maxBindingBytes: this.bindingBytes,
      kvBytesPerValue: this.kvBytesPerValue,
    };
  }

  /** Makes room for `slots` sequences of up to `maxLen` positions; contents are not preserved when it grows. */
  async ensureKvCache(slots: number, maxLen: number): Promise<void> {
    if (slots <= this.kvSlots && maxLen <= this.kvMaxLen) return;
    const c = this.config;
    let newSlots = Math.max(slots, this.kvSlots);
    let newMaxLen = Math.max(maxLen, this.kvMaxLen);
    try {
      // Refuses (UserError) before anything is freed or allocated when the cache would not fit.
      this.planFor(newSlots, newMaxLen);
    } catch (error) {
      // Growing both dimensions may not fit where the request itself does (many short sequences
      // before, one long one now): shrink to exactly what is asked.
      if (!(error instanceof UserError)) throw error;
      newSlots = slots;
      newMaxLen = maxLen;
      this.planFor(newSlots, newMaxLen);
    }
    const bytes = kvLayerBytes(c, newSlots, newMaxLen, this.kvBytesPerValue);
    for (const { k, v } of this.kvBuffers) {
      k.destroy();
      v.destroy();
    }
    this.kvBuffers = [];
    for (let l = 0; l < c.layers; l += 1) {
      this.kvBuffers.push({ k: createStorageBuffer(this.device, bytes, `k cache ${l}`), v: createStorageBuffer(this.device, bytes, `v cache ${l}`) });
    }
    this.kvSlots = newSlots;
    this.kvMaxLen = newMaxLen;
    this.layerDispatches = await this.buildLayerDispatches();
  }

  get kvCapacity(): { slots: number; maxLen: number } {
    return { slots: this.kvSlots, maxLen: this.kvMaxLen };
  }

  /**
   * Copies positions [0, length) of one cache slot into others (a shared prefix). WebGPU forbids a
   * buffer-to-buffer copy within one buffer, so the prefix goes through a scratch buffer.
   */
  copyKvPrefix(fromSlot: number, toSlots: readonly number[], length: number): void {
    if (toSlots.length === 0 || length === 0) return;
    const c = this.config;
    const slotBytes = this.kvMaxLen * c.kvHeads * c.headDim * this.kvBytesPerValue;
    const bytes = length * c.kvHeads * c.headDim * this.kvBytesPerValue;
    if (!this.kvScratch || this.kvScratch.size < bytes) {
      this.kvScratch?.destroy();
      this.kvScratch = createStorageBuffer(this.device, bytes, 'kv prefix scratch');
    }
    const scratch = this.kvScratch;
    const encoder = this.device.createCommandEncoder({ label: 'kv prefix copy' });
    for (const { k, v } of this.kvBuffers) {
      for (const buffer of [k, v]) {
        encoder.copyBufferToBuffer(buffer, fromSlot * slotBytes, scratch, 0, bytes);
        for (const to of toSlots) encoder.copyBufferToBuffer(scratch, 0, buffer, to * slotBytes, bytes);
      }
    }
    this.device.queue.submit([encoder.finish()]);
  }

  /** Runs rows through the model (in order, chunked) and returns the picked rows' results. */
  forward(rows: readonly ForwardRow[], picks: readonly Pick[], wantLogits = false): Promise<ForwardResult> {
    return this.enqueue(() => this.runForward(rows, picks, wantLogits));
  }

  /** Runs `work` after every call queued before it: calls share the activation buffers. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Most rows one greedy decode step takes (decodeGreedy). */
  get greedyRowsPerStep(): number {
    return Math.min(this.chunkRows, this.pickRows);
  }

  /**
   * `steps` greedy decode steps of `rows` (one row per sequence: its last token at its position)
   * with no host round trip between steps: each step's argmax becomes the next
   * step's token on the GPU (feed_tokens.wgsl), and each step runs exactly the dispatches of a
   * one-step forward, so the tokens are those of `steps` separate calls. Step s places row i at
   * position + s with RoPE base `ropeBaseAt(i, s)`. Returns the argmax per step and row; the caller
   * drops what follows a stop (the cache positions written past it are never read).
   */
  decodeGreedy(rows: readonly ForwardRow[], steps: number, ropeBaseAt: (row: number, step: number) => number): Promise<number[][]> {
    return this.enqueue(() => this.runDecodeGreedy(rows, steps, ropeBaseAt));
  }

  private async runDecodeGreedy(rows: readonly ForwardRow[], steps: number, ropeBaseAt: (row: number, step: number) => number): Promise<number[][]> {
    const c = this.config;
    const n = rows.length;
    if (n === 0 || steps < 1) return [];
    if (n > this.greedyRowsPerStep) throw new Error(`greedy decode of ${n} rows exceeds the ${this.greedyRowsPerStep} rows of one step`);
    for (const row of rows) {
      if (row.slot >= this.kvSlots || row.position + steps > this.kvMaxLen) throw new Error(`rows (slot ${row.slot}, positions ${row.position}..${row.position + steps - 1}) outside the KV cache (${this.kvSlots} × ${this.kvMaxLen})`);
    }
    const device = this.device;
    const queue = device.queue;
    // Every step's row metadata and RoPE rows, staged once and copied in before each step.
    const meta = new Uint32Array(steps * n * 2);
    const rope = new Float32Array(steps * n * c.headDim);
    for (let s = 0; s < steps; s += 1) {
      rows.forEach((row, i) => {
        meta[2 * (s * n + i)] = row.slot;
        meta[2 * (s * n + i) + 1] = row.position + s;
        writeRopeRow(rope, s * n + i, row.position + s, ropeBaseAt(i, s), c);
      });
    }
    const metaStaging = createStorageBuffer(device, meta.byteLength, 'greedy row meta');
    const ropeStaging = createStorageBuffer(device, rope.byteLength, 'greedy rope rows');
    const results = device.createBuffer({ label: 'greedy results', size: steps * n * 16, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    queue.writeBuffer(metaStaging, 0, meta);
    queue.writeBuffer(ropeStaging, 0, rope);
    queue.writeBuffer(this.buffers.tokens, 0, Uint32Array.from(rows.map((row) => row.token)));
    queue.writeBuffer(this.buffers.pickIndex, 0, Uint32Array.from(rows.map((_, i) => i)));
    queue.writeBuffer(this.buffers.pickTargets, 0, new Uint32Array(n).fill(NO_TARGET));
    this.layerStep.set(n);
    this.pickStep.set(n);
    const feed = await this.feedTokensDispatch();
    // One submit per step, as soon as it is encoded: the GPU runs step s while the host encodes
    // step s + 1 (encoding a 24-layer step takes 0.6–1.8 ms of host time on this project's machine,
    // about as long as a fast GPU's step). The queue runs them in order; only the last is waited for.
    for (let s = 0; s < steps; s += 1) {
      const encoder = device.createCommandEncoder({ label: `greedy decode step ${s + 1} of ${steps}` });
      encoder.copyBufferToBuffer(metaStaging, s * n * 8, this.buffers.rowMeta, 0, n * 8);
      encoder.copyBufferToBuffer(ropeStaging, s * n * c.headDim * 4, this.buffers.rope, 0, n * c.headDim * 4);
      if (s > 0) this.encode(encoder, [feed], n);
      this.encode(encoder, this.layerDispatches, n);
      this.encode(encoder, this.pickDispatches, n);
      encoder.copyBufferToBuffer(this.buffers.pickResult, 0, results, s * n * 16, n * 16);
      queue.submit([encoder.finish()]);
    }
    await results.mapAsync(GPUMapMode.READ);
    const words = new Uint32Array(results.getMappedRange().slice(0));
    results.unmap();
    for (const buffer of [results, metaStaging, ropeStaging]) buffer.destroy();
    return Array.from({ length: steps }, (_, s) => rows.map((_, i) => words[4 * (s * n + i) + 1] as number));
  }

  private async feedTokensDispatch(): Promise<Dispatch> {
    if (!this.feedDispatch) {
      const pipeline = await kernelCache(this.device).pipeline({ file: 'feed_tokens.wgsl' });
      this.feedDispatch = { pipeline, bindGroup: this.bind(pipeline, [this.buffers.pickResult, this.buffers.tokens, this.pickStep.buffer], 'feed tokens'), workgroups: (rows) => [Math.ceil(rows / 64), 1, 1] };
    }
    return this.feedDispatch;
  }

  private async runForward(rows: readonly ForwardRow[], picks: readonly Pick[], wantLogits: boolean): Promise<ForwardResult> {
    const c = this.config;
    for (const row of rows) {
      if (row.slot >= this.kvSlots || row.position >= this.kvMaxLen) throw new Error(`row (slot ${row.slot}, position ${row.position}) outside the KV cache (${this.kvSlots} × ${this.kvMaxLen})`);
      if (row.token < 0 || row.token >= c.vocabSize || !Number.isInteger(row.token)) {
        throw new UserError(`token id ${row.token} is outside the model's vocabulary (0..${c.vocabSize - 1})`, 'the tokenizer does not match this checkpoint; use the tokenizer files shipped with it');
      }
    }
    const resultBytes = Math.max(16, picks.length * 16);
    const allResults = this.device.createBuffer({ label: 'all pick results', size: resultBytes, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const logitsReadback = wantLogits && picks.length > 0
      ? this.device.createBuffer({ label: 'logits readback', size: picks.length * c.vocabSize * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ })
      : undefined;
    const picksByChunk = new Map<number, { pick: Pick; index: number }[]>();
    picks.forEach((pick, index) => {
      if (pick.row < 0 || pick.row >= rows.length) throw new Error(`pick row ${pick.row} outside the ${rows.length} rows`);
      const chunk = Math.floor(pick.row / this.chunkRows);
      const list = picksByChunk.get(chunk) ?? [];
      list.push({ pick, index });
      picksByChunk.set(chunk, list);
    });

    // Host arrays sized to this call (a decode step has one row): no per-step garbage of chunk size.
    const hostRows = Math.min(this.chunkRows, rows.length);
    const tokens = new Uint32Array(hostRows);
    const meta = new Uint32Array(hostRows * 2);
    const rope = new Float32Array(hostRows * c.headDim);
    const queue = this.device.queue;
    for (let start = 0; start < rows.length; start += this.chunkRows) {
      const count = Math.min(this.chunkRows, rows.length - start);
      for (let i = 0; i < count; i += 1) {
        const row = rows[start + i] as ForwardRow;
        tokens[i] = row.token;
        meta[2 * i] = row.slot;
        meta[2 * i + 1] = row.position;
        writeRopeRow(rope, i, row.position, row.ropeBase, c);
      }
      queue.writeBuffer(this.buffers.tokens, 0, tokens, 0, count);
      queue.writeBuffer(this.buffers.rowMeta, 0, meta, 0, count * 2);
      queue.writeBuffer(this.buffers.rope, 0, rope, 0, count * c.headDim);
      this.layerStep.set(count);
      let encoder = this.device.createCommandEncoder({ label: `forward rows ${start}..${start + count}` });
      this.encode(encoder, this.layerDispatches, count);

      // The chunk's picks, pickRows at a time. The first group shares the layers' command buffer
      // (one submit per decode step); each later group needs its own, because its index and target
      // writes must land after the previous group ran.
      const chunkPicks = picksByChunk.get(start / this.chunkRows) ?? [];
      for (let p = 0; p < chunkPicks.length; p += this.pickRows) {
        const group = chunkPicks.slice(p, p + this.pickRows);
        const index = new Uint32Array(group.length);
        const targets = new Uint32Array(group.length);
        group.forEach(({ pick }, i) => {
          index[i] = pick.row - start;
          targets[i] = pick.target ?? NO_TARGET;
        });
        queue.writeBuffer(this.buffers.pickIndex, 0, index);
        queue.writeBuffer(this.buffers.pickTargets, 0, targets);
        this.pickStep.set(group.length);
        if (p > 0) encoder = this.device.createCommandEncoder({ label: 'picked rows' });
        this.encode(encoder, this.pickDispatches, group.length);
        // Picks of one group are consecutive in `picks` order only if sorted; copy each result to its slot.
        group.forEach(({ index: pickIndex }, i) => {
          encoder.copyBufferToBuffer(this.buffers.pickResult, i * 16, allResults, pickIndex * 16, 16);
          if (logitsReadback) encoder.copyBufferToBuffer(this.buffers.logits, i * c.vocabSize * 4, logitsReadback, pickIndex * c.vocabSize * 4, c.vocabSize * 4);
        });
        queue.submit([encoder.finish()]);
      }
      if (chunkPicks.length === 0) queue.submit([encoder.finish()]);
    }
    await allResults.mapAsync(GPUMapMode.READ);
    const words = new Uint32Array(allResults.getMappedRange().slice(0));
    allResults.unmap();
    allResults.destroy();
    const floats = new Float32Array(words.buffer);
    const results: PickResult[] = picks.map((_, i) => ({
      targetLogprob: floats[4 * i] ?? Number.NaN,
      argmax: words[4 * i + 1] ?? 0,
      maxLogit: floats[4 * i + 2] ?? Number.NaN,
      logSumExp: floats[4 * i + 3] ?? Number.NaN,
    }));
    if (!logitsReadback) return { picks: results };
    await logitsReadback.mapAsync(GPUMapMode.READ);
    const all = new Float32Array(logitsReadback.getMappedRange().slice(0));
    logitsReadback.unmap();
    logitsReadback.destroy();
    const logits = picks.map((_, i) => all.subarray(i * c.vocabSize, (i + 1) * c.vocabSize));
    return { picks: results, logits };
  }

  private encode(encoder: GPUCommandEncoder, dispatches: readonly Dispatch[], rows: number): void {
    const timestampWrites = this.passTimer?.nextPass();
    const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
    for (const d of dispatches) {
      if (d.when && !d.when(rows)) continue;
      const [x, y, z] = d.workgroups(rows);
      if (x === 0 || y === 0 || z === 0) continue;
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(x, y, z);
    }
    pass.end();
  }

  /**
   * Host seconds to encode a step of `rows` rows — the layers' passes and one pick's — into a
   * command buffer that is finished but never submitted; the fastest of `repeats` (benchmarks).
   * Encoding inside real steps also waits now and then on the garbage collector or, on a CPU
   * adapter, on the cores the GPU work runs on; this is the host's own cost per step.
   */
  measureStepEncodeSeconds(rows: number, repeats: number): number {
    if (this.layerDispatches.length === 0) throw new Error('measureStepEncodeSeconds needs a KV cache (ensureKvCache) first');
    const timer = this.passTimer;
    this.passTimer = undefined;
    let fastest = Infinity;
    for (let i = 0; i < repeats; i += 1) {
      const started = performance.now();
      const encoder = this.device.createCommandEncoder({ label: 'encode timing (not submitted)' });
      this.encode(encoder, this.layerDispatches, rows);
      this.encode(encoder, this.pickDispatches, 1);
      encoder.finish();
      fastest = Math.min(fastest, performance.now() - started);
    }
    this.passTimer = timer;
    return fastest / 1000;
  }

  private bind(pipeline: GPUComputePipeline, resources: readonly (GPUBuffer | undefined)[], label: string): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    resources.forEach((buffer, binding) => {
      if (buffer) entries.push({ binding, resource: { buffer } });
    });
    return this.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  }

  private get matmulTarget(): MatmulTarget {
    return { kernels: this.kernels, subgroupMinSize: this.subgroupMinSize };
  }

  /**
   * y (+)= x W^T for every row chunk of W, by the kernels that matmul-plan.ts picks for the adapter,
   * the row count and W's shape. All of them sum each output in the same order, so the choice never
   * changes a result; matrices in the nk layout (none the model loads today) fall back to the naive
   * kernel.
   */
  private async matmul(w: GpuMatrix, x: GPUBuffer, y: GPUBuffer, yStride: number, accumulate: boolean, step: StepUniform): Promise<Dispatch[]> {
    const cache = kernelCache(this.device);
    const dispatches: Dispatch[] = [];
    for (const chunk of w.chunks) {
      const params = createUniform(this.device, `${w.name} params`, [{ u32: chunk.rowCount }, { u32: w.cols }, { u32: chunk.rowStart }, { u32: yStride }, { u32: accumulate ? 1 : 0 }]);
      const buffers = { params, weights: chunk.buffer, x, y, step: step.buffer, partials: this.matmulPartials };
      if (w.layout !== 'kn') {
        const naive = await cache.pipeline(matmulKernel('matmul_naive.wgsl', w.format));
        dispatches.push({ pipeline: naive, bindGroup: this.bind(naive, matmulBindings('whole', buffers), w.name), workgroups: (rows) => [Math.ceil(chunk.rowCount / 64), rows, 1] });
        continue;
      }
      const shape = { n: chunk.rowCount, k: w.cols };
      for (const variant of matmulVariants(this.matmulTarget, w.format, shape, this.matmulPartials?.size ?? 0)) {
        for (const pass of variant.passes) {
          const pipeline = await cache.pipeline(pass.spec);
          dispatches.push({
            pipeline,
            bindGroup: this.bind(pipeline, matmulBindings(pass.role, buffers), `${w.name} ${pass.spec.file}`),
            workgroups: pass.workgroups,
            when: (rows) => rows >= variant.minRows && rows <= variant.maxRows,
          });
        }
      }
    }
    return dispatches;
  }

  private async rmsnorm(gain: GPUBuffer, x: GPUBuffer, y: GPUBuffer, step: StepUniform): Promise<Dispatch> {
    const pipeline = await kernelCache(this.device).pipeline({ file: 'rmsnorm.wgsl' });
    const params = createUniform(this.device, 'rmsnorm params', [{ u32: this.config.hiddenSize }, { f32: this.config.rmsNormEps }]);
    return { pipeline, bindGroup: this.bind(pipeline, [params, gain, x, y, step.buffer], 'rmsnorm'), workgroups: (rows) => [rows, 1, 1] };
  }

  private async buildLayerDispatches(): Promise<Dispatch[]> {
    const c = this.config;
    const b = this.buffers;
    const cache = kernelCache(this.device);
    const step = this.layerStep;
    const dispatches: Dispatch[] = [];
    const embed = this.weights.embed;
    const embedPipeline = await cache.pipeline({ file: 'embed.wgsl', weightFormat: embed.format });
    for (const chunk of embed.chunks) {
      const params = createUniform(this.device, 'embed params', [{ u32: c.hiddenSize }, { u32: chunk.rowStart }, { u32: chunk.rowCount }]);
      dispatches.push({
        pipeline: embedPipeline,
        bindGroup: this.bind(embedPipeline, [params, chunk.buffer, b.tokens, b.x, step.buffer], 'embed'),
        workgroups: (rows) => [Math.ceil(c.hiddenSize / 64), rows, 1],
      });
    }
    // The cache's storage format (f32 or f16) comes from the prepended kv_write/<format>.wgsl.
    const ropePipeline = await cache.pipeline({ file: 'rope_kv.wgsl', prelude: [`kv_write/${this.kvFormat}.wgsl`] });
    const kvRead = [`kv_read/${this.kvFormat}.wgsl`];
    const tilePlan = planAttentionTiles(c.headDim, this.context.limits.maxComputeWorkgroupStorageSize);
    const segments = Math.ceil(this.kvMaxLen / ATTENTION_SEGMENT);
    // Decode: per-segment states (split-K) folded by the merge kernel; prefill: whole rows. The 'gpu'
    // family tiles rows and keys through workgroup memory; the 'cpu' family runs one invocation per
    // (row, KV group, segment) in decode, for the group's query heads (attention_lanes.wgsl), and
    // register blocks of 4 rows × 8 keys in prefill (attention_rows.wgsl, 8 invocations of one head
    // per workgroup); every row's arithmetic is the same.
    const lanes = (rows: number): number => Math.ceil((rows * c.kvHeads * segments) / 8);
    const attentionSegments = this.kernels === 'cpu'
      ? { pipeline: await cache.pipeline({ file: 'attention_lanes.wgsl', prelude: ['attention_cpu_io.wgsl', ...kvRead], constants: { GROUP: c.heads / c.kvHeads } }), workgroups: (rows: number): [number, number, number] => [lanes(rows), 1, 1] }
      : { pipeline: await cache.pipeline({ file: 'attention_split.wgsl', prelude: kvRead }), workgroups: (rows: number): [number, number, number] => [c.heads, rows, segments] };
    const attentionRows = this.kernels === 'cpu'
      ? { pipeline: await cache.pipeline({ file: 'attention_rows.wgsl', prelude: ['attention_cpu_io.wgsl', ...kvRead] }), workgroups: (rows: number): [number, number, number] => [c.heads, Math.ceil(rows / 32), 1] }
      : { pipeline: await cache.pipeline({ file: 'attention_tiled.wgsl', constants: tilePlan.constants, prelude: kvRead }), workgroups: (rows: number): [number, number, number] => [c.heads, Math.ceil(rows / tilePlan.rowsPerWorkgroup), 1] };
    const mergePipeline = await cache.pipeline({ file: 'attention_merge.wgsl' });
    this.attentionPartial?.destroy();
    const partial = createStorageBuffer(this.device, SPLIT_ATTENTION_MAX_ROWS * c.heads * segments * (c.headDim + 2) * 4, 'attention partials');
    this.attentionPartial = partial;
    const swigluPipeline = await cache.pipeline({ file: 'swiglu.wgsl' });
    const qkvWidth = (c.heads + 2 * c.kvHeads) * c.headDim;
    const ropeParams = createUniform(this.device, 'rope params', [{ u32: c.heads }, { u32: c.kvHeads }, { u32: c.headDim }, { u32: this.kvMaxLen }]);
    const attentionParams = createUniform(this.device, 'attention params', [{ u32: c.heads }, { u32: c.kvHeads }, { u32: c.headDim }, { u32: this.kvMaxLen }, { f32: 1 / Math.sqrt(c.headDim) }, { u32: segments }]);
    const swigluParams = createUniform(this.device, 'swiglu params', [{ u32: c.intermediateSize }]);
    for (let l = 0; l < c.layers; l += 1) {
      const layer = this.weights.layers[l];
      const kv = this.kvBuffers[l];
      if (!layer || !kv) throw new Error(`layer ${l} missing`);
      dispatches.push(await this.rmsnorm(layer.attentionNorm, b.x, b.h, step));
      dispatches.push(...(await this.matmul(layer.wqkv, b.h, b.qkv, qkvWidth, false, step)));
      dispatches.push({
        pipeline: ropePipeline,
        bindGroup: this.bind(ropePipeline, [ropeParams, b.qkv, b.rowMeta, b.rope, b.q, kv.k, kv.v, step.buffer], `rope ${l}`),
        workgroups: (rows) => [Math.ceil(c.headDim / 2 / 64), c.heads + 2 * c.kvHeads, rows],
      });
      // Attention: split-K over the cache for a few rows (decode), flash-style tiles for many
      // (prefill); the kernels compute each row identically (see the shaders).
      if (this.attentionChoice === 'per-row') {
        const perRow = await cache.pipeline({ file: 'attention.wgsl' });
        dispatches.push({
          pipeline: perRow,
          bindGroup: this.bind(perRow, [attentionParams, b.q, b.rowMeta, kv.k, kv.v, b.attn, step.buffer], `attention per row ${l}`),
          workgroups: (rows) => [c.heads, rows, 1],
        });
      }
      const isDecode = (rows: number): boolean => this.attentionChoice === 'blocked' && rows <= SPLIT_ATTENTION_MAX_ROWS;
      const isPrefill = (rows: number): boolean => this.attentionChoice === 'blocked' && rows > SPLIT_ATTENTION_MAX_ROWS;
      const attentionResources = [attentionParams, b.q, b.rowMeta, kv.k, kv.v];
      dispatches.push({
        pipeline: attentionSegments.pipeline,
        bindGroup: this.bind(attentionSegments.pipeline, [...attentionResources, partial, step.buffer], `attention segments ${l}`),
        workgroups: attentionSegments.workgroups,
        when: isDecode,
      });
      dispatches.push({
        pipeline: mergePipeline,
        bindGroup: this.bind(mergePipeline, [attentionParams, undefined, b.rowMeta, undefined, undefined, b.attn, step.buffer, partial], `attention merge ${l}`),
        workgroups: (rows) => [c.heads, rows, 1],
        when: isDecode,
      });
      dispatches.push({
        pipeline: attentionRows.pipeline,
        bindGroup: this.bind(attentionRows.pipeline, [...attentionResources, b.attn, step.buffer], `attention rows ${l}`),
        workgroups: attentionRows.workgroups,
        when: isPrefill,
      });
      dispatches.push(...(await this.matmul(layer.wo, b.attn, b.x, c.hiddenSize, true, step)));
      dispatches.push(await this.rmsnorm(layer.ffnNorm, b.x, b.h, step));
      dispatches.push(...(await this.matmul(layer.w13, b.h, b.gateUp, 2 * c.intermediateSize, false, step)));
      dispatches.push({
        pipeline: swigluPipeline,
        bindGroup: this.bind(swigluPipeline, [swigluParams, b.gateUp, b.gated, step.buffer], `swiglu ${l}`),
        workgroups: (rows) => [Math.ceil(c.intermediateSize / 64), rows, 1],
      });
      dispatches.push(...(await this.matmul(layer.w2, b.gated, b.x, c.hiddenSize, true, step)));
    }
    return dispatches;
  }

  private async buildPickDispatches(): Promise<void> {
    const c = this.config;
    const b = this.buffers;
    const cache = kernelCache(this.device);
    const step = this.pickStep;
    const gatherPipeline = await cache.pipeline({ file: 'gather_rows.wgsl' });
    const gatherParams = createUniform(this.device, 'gather params', [{ u32: c.hiddenSize }]);
    const logSoftmaxPipeline = await cache.pipeline({ file: 'logsoftmax.wgsl' });
    const logSoftmaxParams = createUniform(this.device, 'logsoftmax params', [{ u32: c.vocabSize }]);
    this.pickDispatches = [
      { pipeline: gatherPipeline, bindGroup: this.bind(gatherPipeline, [gatherParams, b.pickIndex, b.x, b.picked, step.buffer], 'gather'), workgroups: (rows) => [Math.ceil(c.hiddenSize / 64), rows, 1] },
      await this.rmsnorm(this.weights.norm, b.picked, b.pickedNormed, step),
      ...(await this.matmul(this.weights.output, b.pickedNormed, b.logits, c.vocabSize, false, step)),
      { pipeline: logSoftmaxPipeline, bindGroup: this.bind(logSoftmaxPipeline, [logSoftmaxParams, b.logits, b.pickTargets, b.pickResult, step.buffer], 'logsoftmax'), workgroups: (rows) => [rows, 1, 1] },
    ];
  }

  dispose(): void {
    destroyWeights(this.weights);
    for (const buffer of Object.values(this.buffers)) buffer.destroy();
    for (const { k, v } of this.kvBuffers) {
      k.destroy();
      v.destroy();
    }
    this.kvScratch?.destroy();
    this.attentionPartial?.destroy();
    this.matmulPartials?.destroy();
    this.layerStep.buffer.destroy();
    this.pickStep.buffer.destroy();
  }
}
