/**
 * InternLM2 forward pass on the GPU:
 *   embed → [RMSNorm → wqkv → RoPE + KV cache write → GQA attention → wo (+residual) →
 *            RMSNorm → w1 over w3 (one matmul) → SwiGLU → w2 (+residual)] × layers → (picked rows only) norm → output
 *   → log-softmax / argmax.
 *
 * A forward call takes ragged rows: each row is one token of some sequence, with the cache slot it
 * belongs to and its position. Rows are processed in chunks of `chunkRows` (bounded activation
 * memory at any context length); every kernel computes each row independently, so a row's result
 * never depends on the other rows in its chunk (batch invariance). This file loads the model and
 * runs steps; the KV cache is kv-cache.ts, a step's dispatches are built by layer-graph.ts, and the
 * activation buffers are sized in activations.ts.
 */
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { InternLM2Config } from '../checkpoint/config.js';
import type { GpuContext } from '../gpu/device.js';
import { UserError } from '../errors.js';
import { createStorageBuffer } from '../gpu/gpu-tensor.js';
import type { ForwardResult, ForwardRow, ModelLoadOptions, ModelOptions, Pick, PickResult } from './forward-io.js';
import type { PassTimer } from '../gpu/pass-timer.js';
import { StepUniform } from '../gpu/uniforms.js';
import { activationBytes, checkModelShape, createActivationBuffers, maxBinding, rowLimits, type ActivationBuffers } from './activations.js';
import { defaultKernelFamily } from './kernel-family.js';
import { KvCache } from './kv-cache.js';
import { encodeDispatches, LayerGraph, warmLayerKernels, type Dispatch } from './layer-graph.js';
import { matmulSubgroupSize, MAX_PARTIALS_BYTES, partialsBufferBytes, type MatmulTarget } from './matmul-plan.js';
import { checkWeightsFit, memoryBudget, planMemory, slotsThatFit, type MemoryBudget, type MemoryPlan, type MemoryRequest } from './memory-plan.js';
import { writeRopeRow } from './rope.js';
import { destroyWeights, matmulShapes, plannedWeightBytes, uploadWeights, type ModelWeights } from './weights.js';

export { activationBytes } from './activations.js';
export type { KvCacheFormat } from './kv-cache.js';
export type { AttentionKernelChoice } from './layer-graph.js';
export type { ForwardResult, ForwardRow, ModelLoadOptions, ModelOptions, Pick, PickResult } from './forward-io.js';

const NO_TARGET = 0xffffffff;

export class InternLM2Model {
  readonly config: InternLM2Config;
  readonly context: GpuContext;
  readonly weights: ModelWeights;
  readonly chunkRows: number;
  readonly pickRows: number;
  readonly budget: MemoryBudget;
  /** When set, every compute pass is timed (benchmarks: GPU time against wall time). */
  passTimer: PassTimer | undefined;
  private readonly device: GPUDevice;
  private readonly buffers: ActivationBuffers;
  private readonly layerStep: StepUniform;
  private readonly pickStep: StepUniform;
  private readonly kv: KvCache;
  private readonly graph: LayerGraph;
  private layerDispatches: Dispatch[] = [];
  private pickDispatches: Dispatch[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    context: GpuContext,
    config: InternLM2Config,
    weights: ModelWeights,
    limits: { chunkRows: number; pickRows: number },
    budget: MemoryBudget,
    private readonly bindingBytes: number,
    matmulTarget: MatmulTarget,
    /** The matmul chunk sums of the 'gpu' family's decode path (none for 'cpu'; see matmul-plan.ts). */
    private readonly matmulPartials: GPUBuffer | undefined,
    options: ModelOptions,
  ) {
    this.context = context;
    this.device = context.device;
    this.config = config;
    this.weights = weights;
    this.chunkRows = limits.chunkRows;
    this.pickRows = limits.pickRows;
    this.budget = budget;
    this.buffers = createActivationBuffers(this.device, config, limits.chunkRows, limits.pickRows);
    this.layerStep = new StepUniform(this.device, 'layer rows');
    this.pickStep = new StepUniform(this.device, 'picked rows');
    this.kv = new KvCache(this.device, config, options.kvCache ?? 'f32');
    this.graph = new LayerGraph({
      context, config, weights, buffers: this.buffers, layerStep: this.layerStep, pickStep: this.pickStep,
      matmulTarget, matmulPartials, attention: options.attention ?? 'blocked',
    });
  }

  static async load(context: GpuContext, checkpoint: Checkpoint, options: ModelLoadOptions): Promise<InternLM2Model> {
    const c = checkpoint.config;
    checkModelShape(c, `${checkpoint.dir}/config.json`);
    const bindingBytes = Math.min(maxBinding(context), options.maxBindingBytes ?? Infinity);
    const { chunkRows, pickRows } = rowLimits(c, bindingBytes, options.chunkRows);
    const budget = memoryBudget(context, options.gpuMemory);
    // Refuse before uploading anything when the weights and activations alone exceed the budget.
    // The matmul scratch at its cap: the kernels, hence the scratch they need, are chosen after upload.
    checkWeightsFit(plannedWeightBytes(context, checkpoint, options.weightFormat), activationBytes(c, chunkRows, pickRows, 0, MAX_PARTIALS_BYTES), budget);
    // Where the matmul weights are transposed (chunk-placer.ts): by the device on GPUs; on CPU
    // adapters the host's word-pair transpose measured faster than lavapipe running the shader
    // (bench/load.ts), the device's threads being the same CPUs.
    const kernels = options.kernels ?? defaultKernelFamily(context.adapter);
    const transpose = options.transpose ?? (kernels === 'cpu' ? 'host' : 'device');
    // The attention kernels compile (seconds on lavapipe) on Dawn's threads while the weights upload.
    // (Not for an f16 cache the adapter cannot hold: fromWeights refuses that with its own error.)
    const kvFormat = options.kvCache ?? 'f32';
    const target: MatmulTarget = { kernels, subgroupMinSize: options.subgroups === false ? 0 : matmulSubgroupSize(context) };
    const warming = kvFormat === 'f16' && !context.hasShaderF16 ? Promise.resolve() : warmLayerKernels(context, c, target, kvFormat);
    warming.catch(() => undefined); // a compile error surfaces again where buildLayers asks for the kernel
    const weights = await uploadWeights(context, checkpoint, options.weightFormat, bindingBytes, { transpose, ...(options.profile ? { profile: options.profile } : {}) });
    const started = performance.now();
    await warming.catch(() => undefined);
    const model = await InternLM2Model.fromWeights(context, c, weights, { chunkRows, pickRows, budget, maxBindingBytes: bindingBytes, ...(options.kvCache ? { kvCache: options.kvCache } : {}), ...(options.kernels ? { kernels: options.kernels } : {}), ...(options.subgroups === false ? { subgroups: false } : {}) });
    options.profile?.add('kernels', (performance.now() - started) / 1000);
    return model;
  }

  /** A model over weights already on the GPU (generated ones in benchmarks: see random-weights.ts). */
  static async fromWeights(context: GpuContext, config: InternLM2Config, weights: ModelWeights, options: ModelOptions = {}): Promise<InternLM2Model> {
    checkModelShape(config, 'config');
    const bindingBytes = Math.min(maxBinding(context), options.maxBindingBytes ?? Infinity);
    const limits = rowLimits(config, bindingBytes, options.chunkRows);
    const budget = options.budget ?? memoryBudget(context, options.gpuMemory);
    KvCache.checkFormat(context, options.kvCache ?? 'f32', options.attention ?? 'blocked');
    const target: MatmulTarget = { kernels: options.kernels ?? defaultKernelFamily(context.adapter), subgroupMinSize: options.subgroups === false ? 0 : matmulSubgroupSize(context) };
    const partialsBytes = partialsBufferBytes(target, matmulShapes(weights));
    const partials = partialsBytes > 0 ? createStorageBuffer(context.device, partialsBytes, 'matmul chunk sums') : undefined;
    const model = new InternLM2Model(context, config, weights, { chunkRows: limits.chunkRows, pickRows: options.pickRows ?? limits.pickRows }, budget, bindingBytes, target, partials, options);
    model.pickDispatches = await model.graph.buildPicks();
    return model;
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
      kvBytesPerValue: this.kv.bytesPerValue,
    };
  }

  /** Makes room for `slots` sequences of up to `maxLen` positions; contents are not preserved when it grows. */
  async ensureKvCache(slots: number, maxLen: number): Promise<void> {
    // The plan refuses (UserError) before anything is freed or allocated when the cache would not fit.
    if (this.kv.grow(slots, maxLen, (s, m) => this.planFor(s, m))) this.layerDispatches = await this.graph.buildLayers(this.kv);
  }

  get kvCapacity(): { slots: number; maxLen: number } {
    return { slots: this.kv.slots, maxLen: this.kv.maxLen };
  }

  /** Copies positions [0, length) of one cache slot into others (a shared prefix). */
  copyKvPrefix(fromSlot: number, toSlots: readonly number[], length: number): void {
    this.kv.copyPrefix(fromSlot, toSlots, length);
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
    for (const row of rows) this.kv.checkInside(row.slot, row.position, steps);
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
    const feed = await this.graph.feedTokens();
    // One submit per step, as soon as it is encoded: the GPU runs step s while the host encodes
    // step s + 1 (encoding a 24-layer step takes 0.6–1.8 ms of host time on this project's machine,
    // about as long as a fast GPU's step). The queue runs them in order; only the last is waited for.
    for (let s = 0; s < steps; s += 1) {
      const encoder = device.createCommandEncoder({ label: `greedy decode step ${s + 1} of ${steps}` });
      encoder.copyBufferToBuffer(metaStaging, s * n * 8, this.buffers.rowMeta, 0, n * 8);
      encoder.copyBufferToBuffer(ropeStaging, s * n * c.headDim * 4, this.buffers.rope, 0, n * c.headDim * 4);
      if (s > 0) encodeDispatches(encoder, [feed], n, this.passTimer);
      encodeDispatches(encoder, this.layerDispatches, n, this.passTimer);
      encodeDispatches(encoder, this.pickDispatches, n, this.passTimer);
      encoder.copyBufferToBuffer(this.buffers.pickResult, 0, results, s * n * 16, n * 16);
      queue.submit([encoder.finish()]);
    }
    await results.mapAsync(GPUMapMode.READ);
    const words = new Uint32Array(results.getMappedRange().slice(0));
    results.unmap();
    for (const buffer of [results, metaStaging, ropeStaging]) buffer.destroy();
    return Array.from({ length: steps }, (_, s) => rows.map((_, i) => words[4 * (s * n + i) + 1] as number));
  }

  private async runForward(rows: readonly ForwardRow[], picks: readonly Pick[], wantLogits: boolean): Promise<ForwardResult> {
    const c = this.config;
    for (const row of rows) {
      this.kv.checkInside(row.slot, row.position);
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
      encodeDispatches(encoder, this.layerDispatches, count, this.passTimer);

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
        encodeDispatches(encoder, this.pickDispatches, group.length, this.passTimer);
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

  /**
   * Host seconds to encode a step of `rows` rows — the layers' passes and one pick's — into a
   * command buffer that is finished but never submitted; the fastest of `repeats` (benchmarks).
   * Encoding inside real steps also waits now and then on the garbage collector or, on a CPU
   * adapter, on the cores the GPU work runs on; this is the host's own cost per step.
   */
  measureStepEncodeSeconds(rows: number, repeats: number): number {
    if (this.layerDispatches.length === 0) throw new Error('measureStepEncodeSeconds needs a KV cache (ensureKvCache) first');
    let fastest = Infinity;
    for (let i = 0; i < repeats; i += 1) {
      const started = performance.now();
      const encoder = this.device.createCommandEncoder({ label: 'encode timing (not submitted)' });
      encodeDispatches(encoder, this.layerDispatches, rows);
      encodeDispatches(encoder, this.pickDispatches, 1);
      encoder.finish();
      fastest = Math.min(fastest, performance.now() - started);
    }
    return fastest / 1000;
  }


  dispose(): void {
    destroyWeights(this.weights);
    for (const buffer of Object.values(this.buffers)) buffer.destroy();
    this.kv.dispose();
    this.graph.dispose();
    this.matmulPartials?.destroy();
    this.layerStep.buffer.destroy();
    this.pickStep.buffer.destroy();
  }
}
