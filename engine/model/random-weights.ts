/**
 * Random weights generated directly on the GPU for a given InternLM2 shape (benchmarks and
 * long-context tests): no files, no host copies, deterministic for a seed. Uniform values scaled by
 * 1/√fan-in keep activations in a sane range through many layers; norms are 1.
 */
import type { InternLM2Config } from '../checkpoint/config.js';
import type { GpuContext } from '../gpu/device.js';
import { createStorageBuffer, type GpuMatrix, type MatrixChunk, type MatrixLayout } from '../gpu/gpu-tensor.js';
import { kernelCache, type WeightFormat } from '../gpu/kernels.js';
import { createUniform } from '../gpu/uniforms.js';
import type { LayerWeights, ModelWeights } from './weights.js';

const FORMAT_CODE: Record<WeightFormat, number> = { f32: 0, bf16: 1, f16: 2 };
const BYTES: Record<WeightFormat, number> = { f32: 4, bf16: 2, f16: 2 };
const WORKGROUP = 256;

export interface RandomWeightOptions {
  readonly format: WeightFormat;
  readonly seed: number;
  /** Largest buffer a kernel may bind (defaults to the adapter's). */
  readonly maxBindingBytes?: number;
  /** Layout of the projections: 'kn' (default; tiled/matvec kernels) or 'nk' (the naive kernel, for baselines). */
  readonly projectionLayout?: MatrixLayout;
}

/** Fills buffers with seeded random (or constant) values on the GPU. */
export class RandomFill {
  private readonly context: GpuContext;
  private readonly pipeline: GPUComputePipeline;
  private seed: number;

  private constructor(context: GpuContext, pipeline: GPUComputePipeline, seed: number) {
    this.context = context;
    this.pipeline = pipeline;
    this.seed = seed;
  }

  static async create(context: GpuContext, seed: number): Promise<RandomFill> {
    return new RandomFill(context, await kernelCache(context.device).pipeline({ file: 'fill_random.wgsl' }), seed * 1000);
  }

  /** Fills `words` u32 words of `buffer` with values of `format` uniform in [-scale, scale) (or = scale). */
  fill(buffer: GPUBuffer, words: number, format: WeightFormat, scale: number, constant = false): void {
    const device = this.context.device;
    const maxGroups = this.context.limits.maxComputeWorkgroupsPerDimension;
    const encoder = device.createCommandEncoder({ label: 'fill random' });
    const pass = encoder.beginComputePass();
    const uniforms: GPUBuffer[] = [];
    this.seed += 1;
    for (let offset = 0; offset < words; offset += maxGroups * WORKGROUP) {
      const params = createUniform(device, 'fill params', [{ u32: words }, { u32: FORMAT_CODE[format] }, { u32: this.seed >>> 0 }, { f32: scale }, { u32: constant ? 1 : 0 }, { u32: offset }]);
      uniforms.push(params);
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, device.createBindGroup({ layout: this.pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: params } }, { binding: 1, resource: { buffer } }] }));
      pass.dispatchWorkgroups(Math.min(maxGroups, Math.ceil((words - offset) / WORKGROUP)));
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
    void device.queue.onSubmittedWorkDone().then(() => uniforms.forEach((u) => u.destroy()));
  }

  /** A [rows][cols] matrix of random values in row chunks under `maxBindingBytes`. */
  matrix(name: string, rows: number, cols: number, format: WeightFormat, layout: MatrixLayout, scale: number, maxBindingBytes: number): GpuMatrix {
    const rowBytes = cols * BYTES[format];
    const perChunk = Math.max(1, Math.floor(maxBindingBytes / rowBytes));
    const chunks: MatrixChunk[] = [];
    for (let rowStart = 0; rowStart < rows; rowStart += perChunk) {
      const rowCount = Math.min(perChunk, rows - rowStart);
      const chunkBytes = rowCount * rowBytes;
      const buffer = createStorageBuffer(this.context.device, chunkBytes, `${name}[${rowStart}..${rowStart + rowCount})`);
      this.fill(buffer, Math.ceil(chunkBytes / 4), format, scale);
      chunks.push({ rowStart, rowCount, buffer });
    }
    return { name, rows, cols, format, layout, chunks, bytes: rows * rowBytes };
  }
}

export async function randomWeights(context: GpuContext, config: InternLM2Config, options: RandomWeightOptions): Promise<ModelWeights> {
  const { device } = context;
  const maxBinding = Math.min(context.limits.maxStorageBufferBindingSize, context.limits.maxBufferSize, options.maxBindingBytes ?? Infinity);
  const random = await RandomFill.create(context, options.seed);
  let bytes = 0;
  const matrix = (name: string, rows: number, cols: number, layout: MatrixLayout, scale: number): GpuMatrix => {
    const m = random.matrix(name, rows, cols, options.format, layout === 'kn' ? options.projectionLayout ?? 'kn' : layout, scale, maxBinding);
    bytes += m.bytes;
    return m;
  };
  const ones = (name: string, length: number): GPUBuffer => {
    const buffer = createStorageBuffer(device, length * 4, name);
    random.fill(buffer, length, 'f32', 1, true);
    bytes += length * 4;
    return buffer;
  };

  const c = config;
  const qkvRows = (c.heads + 2 * c.kvHeads) * c.headDim;
  const embed = matrix('model.tok_embeddings.weight', c.vocabSize, c.hiddenSize, 'nk', 1);
  const layers: LayerWeights[] = [];
  for (let l = 0; l < c.layers; l += 1) {
    const p = `model.layers.${l}`;
    layers.push({
      wqkv: matrix(`${p}.attention.wqkv.weight`, qkvRows, c.hiddenSize, 'kn', Math.sqrt(3 / c.hiddenSize)),
      wo: matrix(`${p}.attention.wo.weight`, c.hiddenSize, c.heads * c.headDim, 'kn', Math.sqrt(3 / (c.heads * c.headDim))),
      w13: matrix(`${p}.feed_forward.w1+w3.weight`, 2 * c.intermediateSize, c.hiddenSize, 'kn', Math.sqrt(3 / c.hiddenSize)),
      w2: matrix(`${p}.feed_forward.w2.weight`, c.hiddenSize, c.intermediateSize, 'kn', Math.sqrt(3 / c.intermediateSize)),
      attentionNorm: ones(`${p}.attention_norm.weight`, c.hiddenSize),
      ffnNorm: ones(`${p}.ffn_norm.weight`, c.hiddenSize),
    });
  }
  const norm = ones('model.norm.weight', c.hiddenSize);
  const output = matrix('output.weight', c.vocabSize, c.hiddenSize, 'kn', Math.sqrt(3 / c.hiddenSize));
  await device.queue.onSubmittedWorkDone();
  return { embed, layers, norm, output, bytes };
}
