/**
 * The dispatch graph of one forward step: embed → the layers (RMSNorm, wqkv, RoPE + KV write,
 * attention, wo, RMSNorm, w1 over w3, SwiGLU, w2) over a chunk of rows, and the picked rows' output
 * head (gather, norm, output matmul, log-softmax / argmax). Bind groups are built once per KV cache
 * size; a step only sets the row count (StepUniform), so encoding a step is a loop over dispatches.
 */
import type { InternLM2Config } from '../checkpoint/config.js';
import type { GpuContext } from '../gpu/device.js';
import { createStorageBuffer, type GpuMatrix } from '../gpu/gpu-tensor.js';
import { kernelCache, type KernelSpec } from '../gpu/kernels.js';
import type { PassTimer } from '../gpu/pass-timer.js';
import { createUniform, type StepUniform } from '../gpu/uniforms.js';
import { ATTENTION_SEGMENT, SPLIT_ATTENTION_MAX_ROWS, type ActivationBuffers } from './activations.js';
import { planAttentionTiles } from './attention-plan.js';
import type { KvCache, KvCacheFormat } from './kv-cache.js';
import { matmulBindings, matmulKernel, matmulVariants, type MatmulTarget } from './matmul-plan.js';
import type { ModelWeights } from './weights.js';

export interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: (rows: number) => [number, number, number];
  /** Kernel variants chosen by row count compute identical results (see the shaders); absent: always. */
  readonly when?: (rows: number) => boolean;
}

/**
 * 'blocked': the engine's attention (the default): split-K decode and whole-row prefill in 64-key
 * blocks, by the kernel family's kernels (tiled on GPUs, register blocks on CPUs);
 * 'per-row': the original one workgroup per (head, row) kernel, kept as the baseline for
 * long-context checks and benchmarks.
 */
export type AttentionKernelChoice = 'blocked' | 'per-row';

/** What the graph's dispatches bind: the model's weights, activation buffers and step uniforms. */
export interface GraphResources {
  readonly context: GpuContext;
  readonly config: InternLM2Config;
  readonly weights: ModelWeights;
  readonly buffers: ActivationBuffers;
  /** Row count of the layers' dispatches and of the picked rows' dispatches. */
  readonly layerStep: StepUniform;
  readonly pickStep: StepUniform;
  readonly matmulTarget: MatmulTarget;
  /** The matmul chunk sums of the 'gpu' family's decode path (none for 'cpu'; see matmul-plan.ts). */
  readonly matmulPartials: GPUBuffer | undefined;
  readonly attention: AttentionKernelChoice;
}

/** Encodes `dispatches` for `rows` rows as one compute pass (timed when a pass timer is given). */
export function encodeDispatches(encoder: GPUCommandEncoder, dispatches: readonly Dispatch[], rows: number, passTimer?: PassTimer): void {
  const timestampWrites = passTimer?.nextPass();
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
 * The attention kernels of a kernel family and KV-cache format: split-K decode segments and
 * whole-row prefill (see buildLayers).
 */
function attentionKernelSpecs(context: GpuContext, c: InternLM2Config, target: MatmulTarget, kvFormat: KvCacheFormat): { segments: KernelSpec; rows: KernelSpec } {
  const kvRead = [`kv_read/${kvFormat}.wgsl`];
  if (target.kernels === 'cpu') {
    // With subgroups, attention_rows.wgsl's lanes load one key (value) each and share them (lane_share/).
    const laneShare = target.subgroupMinSize > 0 ? 'lane_share/subgroups.wgsl' : 'lane_share/none.wgsl';
    return {
      segments: { file: 'attention_lanes.wgsl', prelude: ['attention_cpu_io.wgsl', ...kvRead], constants: { GROUP: c.heads / c.kvHeads } },
      rows: { file: 'attention_rows.wgsl', prelude: ['attention_cpu_io.wgsl', ...kvRead, laneShare] },
    };
  }
  const tilePlan = planAttentionTiles(c.headDim, context.limits.maxComputeWorkgroupStorageSize);
  return { segments: { file: 'attention_split.wgsl', prelude: kvRead }, rows: { file: 'attention_tiled.wgsl', constants: tilePlan.constants, prelude: kvRead } };
}

/**
 * Starts compiling the layers' attention kernels, the slowest to compile (4.1 and 1.7 s for the
 * CPU family's on lavapipe): Dawn compiles on its own threads, so a loader that calls this before
 * uploading the weights has them ready when buildLayers asks the kernel cache for them.
 */
export function warmLayerKernels(context: GpuContext, config: InternLM2Config, target: MatmulTarget, kvFormat: KvCacheFormat): Promise<void> {
  const cache = kernelCache(context.device);
  const specs = attentionKernelSpecs(context, config, target, kvFormat);
  return Promise.all([cache.pipeline(specs.segments), cache.pipeline(specs.rows)]).then(() => undefined);
}

export class LayerGraph {
  private readonly device: GPUDevice;
  /** Split-K attention states, sized by the cache length (rebuilt with the layers). */
  private attentionPartial: GPUBuffer | undefined;
  private feedDispatch: Dispatch | undefined;

  constructor(private readonly r: GraphResources) {
    this.device = r.context.device;
  }

  /** The greedy decode's token feedback: each step's argmax becomes the next step's token. */
  async feedTokens(): Promise<Dispatch> {
    if (!this.feedDispatch) {
      const pipeline = await kernelCache(this.device).pipeline({ file: 'feed_tokens.wgsl' });
      this.feedDispatch = { pipeline, bindGroup: this.bind(pipeline, [this.r.buffers.pickResult, this.r.buffers.tokens, this.r.pickStep.buffer], 'feed tokens'), workgroups: (rows) => [Math.ceil(rows / 64), 1, 1] };
    }
    return this.feedDispatch;
  }

  /** Embedding and every layer over the layer step's rows, reading and writing `kv`. */
  async buildLayers(kv: KvCache): Promise<Dispatch[]> {
    const { config: c, buffers: b, layerStep: step } = this.r;
    const cache = kernelCache(this.device);
    const dispatches: Dispatch[] = [];
    const embed = this.r.weights.embed;
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
    const ropePipeline = await cache.pipeline({ file: 'rope_kv.wgsl', prelude: [`kv_write/${kv.format}.wgsl`] });
    const tilePlan = planAttentionTiles(c.headDim, this.r.context.limits.maxComputeWorkgroupStorageSize);
    const segments = Math.ceil(kv.maxLen / ATTENTION_SEGMENT);
    // Decode: per-segment states (split-K) folded by the merge kernel; prefill: whole rows. The 'gpu'
    // family tiles rows and keys through workgroup memory; the 'cpu' family runs one invocation per
    // (row, KV group, segment) in decode, for the group's query heads (attention_lanes.wgsl), and
    // register blocks of 4 rows × 8 keys in prefill (attention_rows.wgsl, 8 invocations of one head
    // per workgroup); every row's arithmetic is the same.
    const lanes = (rows: number): number => Math.ceil((rows * c.kvHeads * segments) / 8);
    const cpu = this.r.matmulTarget.kernels === 'cpu';
    const specs = attentionKernelSpecs(this.r.context, c, this.r.matmulTarget, kv.format);
    const attentionSegments = cpu
      ? { pipeline: await cache.pipeline(specs.segments), workgroups: (rows: number): [number, number, number] => [lanes(rows), 1, 1] }
      : { pipeline: await cache.pipeline(specs.segments), workgroups: (rows: number): [number, number, number] => [c.heads, rows, segments] };
    const attentionRows = cpu
      ? { pipeline: await cache.pipeline(specs.rows), workgroups: (rows: number): [number, number, number] => [c.heads, Math.ceil(rows / 32), 1] }
      : { pipeline: await cache.pipeline(specs.rows), workgroups: (rows: number): [number, number, number] => [c.heads, Math.ceil(rows / tilePlan.rowsPerWorkgroup), 1] };
    const mergePipeline = await cache.pipeline({ file: 'attention_merge.wgsl' });
    this.attentionPartial?.destroy();
    const partial = createStorageBuffer(this.device, SPLIT_ATTENTION_MAX_ROWS * c.heads * segments * (c.headDim + 2) * 4, 'attention partials');
    this.attentionPartial = partial;
    const swigluPipeline = await cache.pipeline({ file: 'swiglu.wgsl' });
    const qkvWidth = (c.heads + 2 * c.kvHeads) * c.headDim;
    const ropeParams = createUniform(this.device, 'rope params', [{ u32: c.heads }, { u32: c.kvHeads }, { u32: c.headDim }, { u32: kv.maxLen }]);
    const attentionParams = createUniform(this.device, 'attention params', [{ u32: c.heads }, { u32: c.kvHeads }, { u32: c.headDim }, { u32: kv.maxLen }, { f32: 1 / Math.sqrt(c.headDim) }, { u32: segments }]);
    const swigluParams = createUniform(this.device, 'swiglu params', [{ u32: c.intermediateSize }]);
    const blocked = this.r.attention === 'blocked';
    const isDecode = (rows: number): boolean => blocked && rows <= SPLIT_ATTENTION_MAX_ROWS;
    const isPrefill = (rows: number): boolean => blocked && rows > SPLIT_ATTENTION_MAX_ROWS;
    for (let l = 0; l < c.layers; l += 1) {
      const layer = this.r.weights.layers[l];
      if (!layer) throw new Error(`layer ${l} missing`);
      const { k, v } = kv.layer(l);
      dispatches.push(await this.rmsnorm(layer.attentionNorm, b.x, b.h, step));
      dispatches.push(...(await this.matmul(layer.wqkv, b.h, b.qkv, qkvWidth, false, step)));
      dispatches.push({
        pipeline: ropePipeline,
        bindGroup: this.bind(ropePipeline, [ropeParams, b.qkv, b.rowMeta, b.rope, b.q, k, v, step.buffer], `rope ${l}`),
        workgroups: (rows) => [Math.ceil(c.headDim / 2 / 64), c.heads + 2 * c.kvHeads, rows],
      });
      // Attention: split-K over the cache for a few rows (decode), flash-style tiles for many
      // (prefill); the kernels compute each row identically (see the shaders).
      if (!blocked) {
        const perRow = await cache.pipeline({ file: 'attention.wgsl' });
        dispatches.push({
          pipeline: perRow,
          bindGroup: this.bind(perRow, [attentionParams, b.q, b.rowMeta, k, v, b.attn, step.buffer], `attention per row ${l}`),
          workgroups: (rows) => [c.heads, rows, 1],
        });
      }
      const attentionResources = [attentionParams, b.q, b.rowMeta, k, v];
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

  /** The output head over the pick step's rows: gather, final norm, output matmul, log-softmax. */
  async buildPicks(): Promise<Dispatch[]> {
    const { config: c, buffers: b, pickStep: step } = this.r;
    const cache = kernelCache(this.device);
    const gatherPipeline = await cache.pipeline({ file: 'gather_rows.wgsl' });
    const gatherParams = createUniform(this.device, 'gather params', [{ u32: c.hiddenSize }]);
    const logSoftmaxPipeline = await cache.pipeline({ file: 'logsoftmax.wgsl' });
    const logSoftmaxParams = createUniform(this.device, 'logsoftmax params', [{ u32: c.vocabSize }]);
    return [
      { pipeline: gatherPipeline, bindGroup: this.bind(gatherPipeline, [gatherParams, b.pickIndex, b.x, b.picked, step.buffer], 'gather'), workgroups: (rows) => [Math.ceil(c.hiddenSize / 64), rows, 1] },
      await this.rmsnorm(this.r.weights.norm, b.picked, b.pickedNormed, step),
      ...(await this.matmul(this.r.weights.output, b.pickedNormed, b.logits, c.vocabSize, false, step)),
      { pipeline: logSoftmaxPipeline, bindGroup: this.bind(logSoftmaxPipeline, [logSoftmaxParams, b.logits, b.pickTargets, b.pickResult, step.buffer], 'logsoftmax'), workgroups: (rows) => [rows, 1, 1] },
    ];
  }

  dispose(): void {
    this.attentionPartial?.destroy();
  }

  private bind(pipeline: GPUComputePipeline, resources: readonly (GPUBuffer | undefined)[], label: string): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    resources.forEach((buffer, binding) => {
      if (buffer) entries.push({ binding, resource: { buffer } });
    });
    return this.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  }

  /**
   * y (+)= x W^T for every row chunk of W, by the kernels that matmul-plan.ts picks for the adapter,
   * the row count and W's shape. All of them sum each output in the same order, so the choice never
   * changes a result; matrices in the nk layout (none the model loads today) fall back to the naive
   * kernel.
   */
  private async matmul(w: GpuMatrix, x: GPUBuffer, y: GPUBuffer, yStride: number, accumulate: boolean, step: StepUniform): Promise<Dispatch[]> {
    const cache = kernelCache(this.device);
    const partials = this.r.matmulPartials;
    const dispatches: Dispatch[] = [];
    for (const chunk of w.chunks) {
      const params = createUniform(this.device, `${w.name} params`, [{ u32: chunk.rowCount }, { u32: w.cols }, { u32: chunk.rowStart }, { u32: yStride }, { u32: accumulate ? 1 : 0 }]);
      const buffers = { params, weights: chunk.buffer, x, y, step: step.buffer, partials };
      if (w.layout !== 'kn') {
        const naive = await cache.pipeline(matmulKernel('matmul_naive.wgsl', w.format));
        dispatches.push({ pipeline: naive, bindGroup: this.bind(naive, matmulBindings('whole', buffers), w.name), workgroups: (rows) => [Math.ceil(chunk.rowCount / 64), rows, 1] });
        continue;
      }
      const shape = { n: chunk.rowCount, k: w.cols };
      for (const variant of matmulVariants(this.r.matmulTarget, w.format, shape, partials?.size ?? 0)) {
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
    const params = createUniform(this.device, 'rmsnorm params', [{ u32: this.r.config.hiddenSize }, { f32: this.r.config.rmsNormEps }]);
    return { pipeline, bindGroup: this.bind(pipeline, [params, gain, x, y, step.buffer], 'rmsnorm'), workgroups: (rows) => [rows, 1, 1] };
  }
}
