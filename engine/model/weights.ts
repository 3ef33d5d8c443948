/**
 * Uploads an opened checkpoint's weights to the GPU, two matrices at a time (one read while the
 * other is transposed and written; see gpu-tensor.ts and chunk-placer.ts), checking each for NaN/Inf.
 */
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { GpuContext } from '../gpu/device.js';
import { ChunkPlacer, type LoadProfile, type TransposeSite } from '../gpu/chunk-placer.js';
import { chooseWeightFormat, destroyMatrix, uploadStackedMatrix, uploadVector, type GpuMatrix, type MatrixLayout, type WeightFormatChoice } from '../gpu/gpu-tensor.js';
import type { TensorEntry } from '../checkpoint/safetensors.js';
import type { MatmulShape } from './matmul-plan.js';
import { reportNonFiniteWeights, WeightCheck, type WeightCheckTarget } from './weight-check.js';

export interface LayerWeights {
  readonly wqkv: GpuMatrix;
  readonly wo: GpuMatrix;
  /** w1 (gate) over w3 (up), intermediate_size rows each: one matmul for both (uploadStackedMatrix). */
  readonly w13: GpuMatrix;
  readonly w2: GpuMatrix;
  readonly attentionNorm: GPUBuffer;
  readonly ffnNorm: GPUBuffer;
}

export interface ModelWeights {
  readonly embed: GpuMatrix;
  readonly layers: readonly LayerWeights[];
  readonly norm: GPUBuffer;
  readonly output: GpuMatrix;
  /** Bytes of weights on the GPU. */
  readonly bytes: number;
}

/** `maxBinding`: largest buffer a kernel may bind; larger matrices are split into row chunks. */
/** Bytes the weights will take on the GPU in the formats `choice` selects (for the memory plan). */
export function plannedWeightBytes(context: GpuContext, checkpoint: Checkpoint, choice: WeightFormatChoice): number {
  let bytes = 0;
  for (const tensor of checkpoint.tensors.values()) {
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    // Vectors (norm gains) are uploaded as f32; matrices in the chosen format.
    const format = tensor.shape.length === 2 ? chooseWeightFormat(tensor.dtype, choice, context.hasShaderF16) : 'f32';
    bytes += elements * (format === 'f32' ? 4 : 2);
  }
  return bytes;
}

/** How uploadWeights places the matrices (chunk-placer.ts), and where it reports its phases. */
export interface UploadOptions {
  /** Where 'kn' matrices are transposed (chunk-placer.ts); default 'device'. */
  readonly transpose?: TransposeSite;
  readonly profile?: LoadProfile;
}

export async function uploadWeights(context: GpuContext, checkpoint: Checkpoint, choice: WeightFormatChoice, maxBinding: number, options: UploadOptions = {}): Promise<ModelWeights> {
  const { device } = context;
  // Puts each chunk in its buffer, transposed by the device or on the host (chunk-placer.ts).
  const placer = await ChunkPlacer.create(device, options);
  const entry = (name: string): TensorEntry => {
    const found = checkpoint.tensors.get(name);
    if (!found) throw new Error(`checkpoint lost tensor ${name} after validation`);
    return found;
  };
  let bytes = 0;
  // Every uploaded buffer is checked for NaN/Inf on the GPU as soon as it is written (weight-check.ts);
  // the counters are read back once all are uploaded.
  const check = await WeightCheck.create(context);
  // Projections are read by the matmul kernels (kn layout); the embedding table is read row by row
  // (nk). A matrix may stack several tensors' rows (w1 over w3), in the format chosen for the first
  // (a checkpoint stores them in one dtype).
  const layout = (name: string): MatrixLayout => (name === 'model.tok_embeddings.weight' ? 'nk' : 'kn');
  const stacked = (name: string): readonly string[] => {
    const ffn = /^(model\.layers\.\d+\.feed_forward)\.w1\+w3\.weight$/.exec(name);
    return ffn ? [`${ffn[1]}.w1.weight`, `${ffn[1]}.w3.weight`] : [name];
  };
  const order = ['model.tok_embeddings.weight'];
  for (let i = 0; i < checkpoint.config.layers; i += 1) {
    const prefix = `model.layers.${i}`;
    order.push(`${prefix}.attention.wqkv.weight`, `${prefix}.attention.wo.weight`, `${prefix}.feed_forward.w1+w3.weight`, `${prefix}.feed_forward.w2.weight`);
  }
  order.push('output.weight');
  // Two matrices in flight, in load order: one's chunks are read (by libuv's threads) while the
  // other's are transposed and written (on this thread); each lane reads into its own buffer.
  const uploads = new Map<string, Promise<GpuMatrix>>();
  const started: Promise<GpuMatrix>[] = [];
  let stopped = false;
  order.forEach((name, index) => {
    const gate = started[index - 2] ?? Promise.resolve();
    const upload = gate.catch(() => undefined).then(() => {
      if (stopped) throw new Error(`upload of ${name} not started: the load failed`);
      const tensors = stacked(name).map(entry);
      const format = chooseWeightFormat((tensors[0] as TensorEntry).dtype, choice, context.hasShaderF16);
      return uploadStackedMatrix(device, name, tensors, format, maxBinding, layout(name), placer, index % 2);
    });
    upload.catch(() => undefined); // awaited below, in order
    started.push(upload);
    uploads.set(name, upload);
  });
  const matrix = async (name: string): Promise<GpuMatrix> => {
    const uploaded = await (uploads.get(name) as Promise<GpuMatrix>);
    bytes += uploaded.bytes;
    check.add(matrixCheckTargets(uploaded, stacked(name).map(entry)));
    return uploaded;
  };
  const vectors: GPUBuffer[] = [];
  const vector = async (name: string): Promise<GPUBuffer> => {
    const tensor = entry(name);
    const buffer = await uploadVector(device, tensor);
    vectors.push(buffer);
    bytes += buffer.size;
    check.add([{ buffer, bytes: buffer.size, format: 'f32', locate: (index) => ({ file: tensor.file, tensor: name, where: `index ${index}` }) }]);
    return buffer;
  };
  let embed: GpuMatrix;
  const layers: LayerWeights[] = [];
  let norm: GPUBuffer;
  let output: GpuMatrix;
  try {
    embed = await matrix('model.tok_embeddings.weight');
    for (let i = 0; i < checkpoint.config.layers; i += 1) {
      const prefix = `model.layers.${i}`;
      layers.push({
        wqkv: await matrix(`${prefix}.attention.wqkv.weight`),
        wo: await matrix(`${prefix}.attention.wo.weight`),
        w13: await matrix(`${prefix}.feed_forward.w1+w3.weight`),
        w2: await matrix(`${prefix}.feed_forward.w2.weight`),
        attentionNorm: await vector(`${prefix}.attention_norm.weight`),
        ffnNorm: await vector(`${prefix}.ffn_norm.weight`),
      });
    }
    norm = await vector('model.norm.weight');
    output = await matrix('output.weight');
  } catch (error) {
    // No further upload starts, the two in flight finish, and what was uploaded is freed.
    stopped = true;
    for (const result of await Promise.allSettled(started)) if (result.status === 'fulfilled') destroyMatrix(result.value);
    for (const buffer of vectors) buffer.destroy();
    await placer.finish().catch(() => undefined);
    await check.finish().catch(() => undefined);
    throw error;
  }
  const weights = { embed, layers, norm, output, bytes };
  try {
    await placer.finish();
    const found = await (options.profile ? options.profile.time('weight check', () => check.finish()) : check.finish());
    reportNonFiniteWeights(found);
  } catch (error) {
    destroyWeights(weights);
    throw error;
  }
  return weights;
}

/** Check targets for a matrix's chunks; positions are named in the stored tensor's own rows and columns. */
function matrixCheckTargets(matrix: GpuMatrix, tensors: readonly TensorEntry[]): WeightCheckTarget[] {
  const valueBytes = matrix.format === 'f32' ? 4 : 2;
  return matrix.chunks.map((chunk) => ({
    buffer: chunk.buffer,
    bytes: chunk.rowCount * matrix.cols * valueBytes,
    format: matrix.format,
    locate: (index: number) => {
      // 'kn' chunks are stored transposed: [cols][chunk rows].
      const transposed = matrix.layout === 'kn';
      let row = chunk.rowStart + (transposed ? index % chunk.rowCount : Math.floor(index / matrix.cols));
      const col = transposed ? Math.floor(index / chunk.rowCount) : index % matrix.cols;
      // A stacked matrix (w1 over w3): find the tensor the row belongs to.
      for (const tensor of tensors) {
        const rows = tensor.shape[0] ?? 0;
        if (row < rows || tensor === tensors[tensors.length - 1]) return { file: tensor.file, tensor: tensor.name, where: `row ${row}, column ${col}` };
        row -= rows;
      }
      return { file: '', tensor: matrix.name, where: `index ${index}` };
    },
  }));
}

export function destroyWeights(weights: ModelWeights): void {
  destroyMatrix(weights.embed);
  destroyMatrix(weights.output);
  weights.norm.destroy();
  for (const layer of weights.layers) {
    for (const m of [layer.wqkv, layer.wo, layer.w13, layer.w2]) destroyMatrix(m);
    layer.attentionNorm.destroy();
    layer.ffnNorm.destroy();
  }
}

/** The row chunks of every matrix the matmuls read, as the kernels see them. */
export function matmulShapes(weights: ModelWeights): MatmulShape[] {
  const matrices = [weights.output, ...weights.layers.flatMap((layer) => [layer.wqkv, layer.wo, layer.w13, layer.w2])];
  return matrices.flatMap((w) => w.chunks.map((chunk) => ({ n: chunk.rowCount, k: w.cols })));
}
