/**
 * Weights on the GPU. A matrix is uploaded one tensor at a time, in row ranges read straight from
 * its safetensors file, so host memory never holds more than one chunk of one tensor. Matrices larger
 * than the device's storage-binding limit are split into row chunks (separate buffers); kernels are
 * dispatched once per chunk with the chunk's first row as an offset.
 */
import { UserError } from './errors.js';
import type { WeightFormat } from './kernels.js';
import { decodeToFloat32, readTensorBytes, type TensorDtype, type TensorEntry } from './safetensors.js';
import { float32ToFloat16Bits } from './half-precision.js';

export type WeightFormatChoice = 'native' | 'f32' | 'f16';

export interface MatrixChunk {
  readonly rowStart: number;
  readonly rowCount: number;
  readonly buffer: GPUBuffer;
}

export interface GpuMatrix {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly format: WeightFormat;
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

/** Converts one row range of a stored tensor to the GPU format's bytes. */
function convertRows(dtype: TensorDtype, bytes: Uint8Array, format: WeightFormat): Uint8Array {
  if ((format === 'bf16' && dtype === 'BF16') || (format === 'f16' && dtype === 'F16') || (format === 'f32' && dtype === 'F32')) return bytes;
  const values = decodeToFloat32(dtype, bytes);
  if (format === 'f32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (format === 'f16') {
    const half = float32ToFloat16Bits(values);
    return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
  }
  throw new Error(`no conversion from ${dtype} to ${format}`);
}

export async function uploadMatrix(device: GPUDevice, entry: TensorEntry, format: WeightFormat, maxBindingBytes: number): Promise<GpuMatrix> {
  const [rows, cols] = entry.shape.length === 2 ? entry.shape : [entry.shape[0] ?? 0, 1];
  if (rows === undefined || cols === undefined) throw new Error(`${entry.name}: bad shape`);
  const rowBytes = cols * BYTES[format];
  let rowsPerChunk = Math.max(1, Math.floor(maxBindingBytes / rowBytes));
  // bf16 packs two values per u32 word: a chunk must start on a word boundary.
  if (format === 'bf16' && cols % 2 === 1 && rowsPerChunk % 2 === 1 && rowsPerChunk < rows) rowsPerChunk -= 1;
  if (rowsPerChunk < 1 || rowBytes > maxBindingBytes) {
    throw new UserError(`${entry.file}: tensor ${entry.name} has rows of ${rowBytes} bytes, more than this adapter's storage binding limit (${maxBindingBytes})`, 'use a GPU with a larger maxStorageBufferBindingSize (harness doctor shows it)');
  }
  const storedRowBytes = cols * (entry.dtype === 'F32' ? 4 : 2);
  const chunks: MatrixChunk[] = [];
  for (let rowStart = 0; rowStart < rows; rowStart += rowsPerChunk) {
    const rowCount = Math.min(rowsPerChunk, rows - rowStart);
    const stored = await readTensorBytes(entry, rowStart * storedRowBytes, rowCount * storedRowBytes);
    const data = convertRows(entry.dtype, stored, format);
    const buffer = createStorageBuffer(device, data.byteLength, `${entry.name}[${rowStart}..${rowStart + rowCount})`);
    writePadded(device, buffer, data);
    chunks.push({ rowStart, rowCount, buffer });
  }
  return { name: entry.name, rows, cols, format, chunks, bytes: rows * rowBytes };
}

/** Norm gains and other small vectors: always f32 on the GPU. */
export async function uploadVector(device: GPUDevice, entry: TensorEntry): Promise<GPUBuffer> {
  const values = decodeToFloat32(entry.dtype, await readTensorBytes(entry));
  const buffer = createStorageBuffer(device, values.byteLength, entry.name);
  writePadded(device, buffer, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return buffer;
}

/** writeBuffer needs a multiple of 4 bytes. */
function writePadded(device: GPUDevice, buffer: GPUBuffer, data: Uint8Array): void {
  if (data.byteLength % 4 === 0) {
    device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  padded.set(data);
  device.queue.writeBuffer(buffer, 0, padded.buffer, 0, padded.byteLength);
}

export function destroyMatrix(matrix: GpuMatrix): void {
  for (const chunk of matrix.chunks) chunk.buffer.destroy();
}
