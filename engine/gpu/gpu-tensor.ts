/**
 * Weights on the GPU. A matrix is uploaded one tensor at a time, in row ranges read straight from
 * its safetensors file, so host memory never holds more than one chunk of one tensor. Matrices larger
 * than the device's storage-binding limit are split into row chunks (separate buffers); kernels are
 * dispatched once per chunk with the chunk's first row as an offset.
 *
 * Layouts: 'nk' keeps the checkpoint's row-major [out][in] order (embedding lookups, the naive
 * kernel); 'kn' stores each chunk transposed, [in][chunk rows], so that the tiled matmul and the
 * decode matrix-vector kernel read consecutive output columns from consecutive addresses. The model
 * picks the layout per matrix at load time.
 */
import { UserError } from '../errors.js';
import type { WeightFormat } from './kernels.js';
import { decodeToFloat32, readTensorBytes, type TensorDtype, type TensorEntry } from '../checkpoint/safetensors.js';
import { float32ToFloat16Bits } from '../checkpoint/half-precision.js';
import { float32ToBfloat16Bits } from '../checkpoint/safetensors-writer.js';
import { ChunkPlacer, transposeBytes, writePadded } from './chunk-placer.js';

export { transposeBytes } from './chunk-placer.js';

export type WeightFormatChoice = 'native' | 'f32' | 'f16';

export interface MatrixChunk {
  readonly rowStart: number;
  readonly rowCount: number;
  readonly buffer: GPUBuffer;
}

/** 'nk': row-major [rows][cols] as stored; 'kn': each chunk transposed to [cols][chunk rows]. */
export type MatrixLayout = 'nk' | 'kn';

export interface GpuMatrix {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly format: WeightFormat;
  /** Absent means 'nk'. */
  readonly layout?: MatrixLayout;
  readonly chunks: readonly MatrixChunk[];
  readonly bytes: number;
}

const BYTES: Record<WeightFormat, number> = { f32: 4, f16: 2, bf16: 2 };

/** The GPU format for a stored dtype: bf16 stays bf16 (exact unpack in the shader), f16 needs shader-f16. */
export function chooseWeightFormat(dtype: TensorDtype, choice: WeightFormatChoice, hasShaderF16: boolean): WeightFormat {
  if (choice === 'f16' || (choice === 'native' && dtype === 'F16')) {
    if (!hasShaderF16) {
      if (choice === 'f16') throw new UserError('--weights f16 needs the adapter feature shader-f16, which this adapter lacks', 'use --weights native or f32 (harness doctor lists the features)');
      return 'f32';
    }
    return 'f16';
  }
  if (choice === 'f32') return 'f32';
  return dtype === 'BF16' ? 'bf16' : 'f32';
}

export function createStorageBuffer(device: GPUDevice, bytes: number, label: string, extraUsage = 0): GPUBuffer {
  return device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extraUsage,
  });
}

/** Whether a stored dtype's bytes are the GPU format's as they are. */
function storedAs(dtype: TensorDtype, format: WeightFormat): boolean {
  return (format === 'bf16' && dtype === 'BF16') || (format === 'f16' && dtype === 'F16') || (format === 'f32' && dtype === 'F32');
}

/** Converts one row range of a stored tensor to the GPU format's bytes. */
function convertRows(dtype: TensorDtype, bytes: Uint8Array, format: WeightFormat): Uint8Array {
  if (storedAs(dtype, format)) return bytes;
  const values = decodeToFloat32(dtype, bytes);
  if (format === 'f32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (format === 'f16') {
    const half = float32ToFloat16Bits(values);
    return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
  }
  if (format === 'bf16') {
    const brain = float32ToBfloat16Bits(values);
    return new Uint8Array(brain.buffer, brain.byteOffset, brain.byteLength);
  }
  throw new Error(`no conversion from ${dtype} to ${format}`);
}

/** Rows per chunk so that one chunk fits a storage binding. */
export function rowsPerChunk(name: string, file: string, rows: number, cols: number, format: WeightFormat, maxBindingBytes: number): number {
  const rowBytes = cols * BYTES[format];
  let perChunk = Math.max(1, Math.floor(maxBindingBytes / rowBytes));
  // bf16 packs two values per u32 word: a chunk must start on a word boundary.
  if (format === 'bf16' && cols % 2 === 1 && perChunk % 2 === 1 && perChunk < rows) perChunk -= 1;
  if (perChunk < 1 || rowBytes > maxBindingBytes) {
    throw new UserError(`${file}: tensor ${name} has rows of ${rowBytes} bytes, more than this adapter's storage binding limit (${maxBindingBytes})`, 'use a GPU with a larger maxStorageBufferBindingSize (harness doctor shows it)');
  }
  return perChunk;
}

function placeChunk(device: GPUDevice, name: string, rowStart: number, rowCount: number, cols: number, format: WeightFormat, data: Uint8Array, layout: MatrixLayout): MatrixChunk {
  const placed = layout === 'kn' ? transposeBytes(data, rowCount, cols, BYTES[format]) : data;
  const buffer = createStorageBuffer(device, placed.byteLength, `${name}[${rowStart}..${rowStart + rowCount})`);
  writePadded(device, buffer, 0, placed);
  return { rowStart, rowCount, buffer };
}

export async function uploadMatrix(device: GPUDevice, entry: TensorEntry, format: WeightFormat, maxBindingBytes: number, layout: MatrixLayout = 'nk', placer?: ChunkPlacer): Promise<GpuMatrix> {
  return uploadStackedMatrix(device, entry.name, [entry], format, maxBindingBytes, layout, placer);
}

/**
 * Several tensors of the same width stacked into one matrix, their rows in order (w1 over w3: one
 * matmul computes both feed-forward projections). A chunk may span two tensors; it is read from
 * each in turn, so host memory still holds one chunk at a time. `placer` puts each chunk in its
 * buffer (chunk-placer.ts: 'kn' chunks transposed by the device); without one, a host-transposing
 * placer of its own. The device may still be writing the buffers: the placer's finish() waits.
 * Uploads running at the same time pass different `lane`s: each reads into its own host buffer.
 */
export async function uploadStackedMatrix(device: GPUDevice, name: string, entries: readonly TensorEntry[], format: WeightFormat, maxBindingBytes: number, layout: MatrixLayout, placer?: ChunkPlacer, lane = 0): Promise<GpuMatrix> {
  const parts = entries.map((entry) => {
    const [rows, cols] = entry.shape.length === 2 ? entry.shape : [entry.shape[0] ?? 0, 1];
    if (rows === undefined || cols === undefined) throw new Error(`${entry.name}: bad shape`);
    return { entry, rows, cols, storedRowBytes: cols * (entry.dtype === 'F32' ? 4 : 2) };
  });
  const first = parts[0];
  if (!first) throw new Error(`${name}: no tensors to stack`);
  const cols = first.cols;
  const mismatched = parts.find((part) => part.cols !== cols);
  if (mismatched) throw new Error(`${name}: cannot stack ${mismatched.entry.name} (${mismatched.cols} columns) under ${first.entry.name} (${cols})`);
  const rows = parts.reduce((sum, part) => sum + part.rows, 0);
  const perChunk = rowsPerChunk(first.entry.name, first.entry.file, rows, cols, format, maxBindingBytes);
  const own = placer ? undefined : await ChunkPlacer.create(device, { transpose: 'host' });
  const place = (placer ?? own) as ChunkPlacer;
  const profile = place.profile;
  const chunks: MatrixChunk[] = [];
  for (let rowStart = 0; rowStart < rows; rowStart += perChunk) {
    const rowCount = Math.min(perChunk, rows - rowStart);
    // The rows [rowStart, rowStart + rowCount) of the stack, from each tensor they fall in. Stored
    // as the GPU keeps them (bf16 as bf16, …), they are read straight into the placer's reused
    // buffer; otherwise read, converted and joined.
    const chunkBytes = rowCount * cols * BYTES[format];
    const asStored = parts.every((part) => storedAs(part.entry.dtype, format));
    const target = asStored ? place.readBuffer(chunkBytes, lane) : undefined;
    const pieces: Uint8Array[] = [];
    let partStart = 0;
    for (const part of parts) {
      const from = Math.max(rowStart, partStart);
      const to = Math.min(rowStart + rowCount, partStart + part.rows);
      if (from < to) {
        const into = target?.subarray((from - rowStart) * cols * BYTES[format]);
        const read = (): Promise<Uint8Array> => readTensorBytes(part.entry, (from - partStart) * part.storedRowBytes, (to - from) * part.storedRowBytes, into);
        const stored = profile ? await profile.time('read', read) : await read();
        if (!target) {
          const convert = (): Uint8Array => convertRows(part.entry.dtype, stored, format);
          pieces.push(profile ? await profile.time('convert', convert) : convert());
        }
      }
      partStart += part.rows;
    }
    const data = target ?? (pieces.length === 1 ? (pieces[0] as Uint8Array) : concatenate(pieces));
    const buffer = await place.place(`${name}[${rowStart}..${rowStart + rowCount})`, rowCount, cols, format, data, layout);
    chunks.push({ rowStart, rowCount, buffer });
  }
  await own?.finish();
  return { name, rows, cols, format, layout, chunks, bytes: rows * cols * BYTES[format] };
}

function concatenate(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.byteLength;
  }
  return out;
}

/**
 * A matrix from host values ([rows][cols], f32), stored in `format` and `layout`: for kernel tests
 * and benchmarks. f16/bf16 round to nearest even.
 */
export function uploadMatrixValues(device: GPUDevice, name: string, values: Float32Array, rows: number, cols: number, format: WeightFormat, layout: MatrixLayout, maxBindingBytes: number): GpuMatrix {
  if (values.length !== rows * cols) throw new Error(`${name}: ${values.length} values for a ${rows}×${cols} matrix`);
  const perChunk = rowsPerChunk(name, '(generated)', rows, cols, format, maxBindingBytes);
  const chunks: MatrixChunk[] = [];
  for (let rowStart = 0; rowStart < rows; rowStart += perChunk) {
    const rowCount = Math.min(perChunk, rows - rowStart);
    const part = values.subarray(rowStart * cols, (rowStart + rowCount) * cols);
    const data = convertRows('F32', new Uint8Array(part.buffer, part.byteOffset, part.byteLength), format);
    chunks.push(placeChunk(device, name, rowStart, rowCount, cols, format, data, layout));
  }
  return { name, rows, cols, format, layout, chunks, bytes: rows * cols * BYTES[format] };
}

/** Norm gains and other small vectors: always f32 on the GPU. */
export async function uploadVector(device: GPUDevice, entry: TensorEntry): Promise<GPUBuffer> {
  const values = decodeToFloat32(entry.dtype, await readTensorBytes(entry));
  const buffer = createStorageBuffer(device, values.byteLength, entry.name);
  writePadded(device, buffer, 0, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return buffer;
}

export function destroyMatrix(matrix: GpuMatrix): void {
  for (const chunk of matrix.chunks) chunk.buffer.destroy();
}
