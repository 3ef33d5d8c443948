/**
 * Writes safetensors files (single or sharded with model.safetensors.index.json, as Hugging Face
 * lays them out). Used to build the demo checkpoint and test checkpoints: small models, so each file
 * is assembled in memory. Float32 input is rounded to f16 / bf16 with round-to-nearest-even, which
 * is what PyTorch's .to(torch.float16 / torch.bfloat16) does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { float32ToFloat16Bits } from './half-precision.js';
import { dtypeByteSize, type TensorDtype } from './safetensors.js';

export interface TensorToWrite {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  /** Row-major values; rounded to `dtype` when it is F16 or BF16. */
  readonly data: Float32Array;
}

/** Round-to-nearest-even f32 → bf16 bits: keep the top 16 bits, rounding on the 16 dropped. */
export function float32ToBfloat16Bits(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i += 1) {
    const x = bits[i]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x007fffff) !== 0) {
      out[i] = (x >>> 16) | 0x0040; // NaN stays NaN (rounding could carry it into infinity)
    } else {
      out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16; // overflow rounds to ±inf, as it should
    }
  }
  return out;
}

function tensorBytes(tensor: TensorToWrite): Uint8Array {
  const values = tensor.data;
  if (tensor.dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const halves = tensor.dtype === 'F16' ? float32ToFloat16Bits(values) : float32ToBfloat16Bits(values);
  return new Uint8Array(halves.buffer);
}

function checkTensors(tensors: readonly TensorToWrite[]): void {
  const names = new Set<string>();
  for (const tensor of tensors) {
    if (tensor.name === '__metadata__' || names.has(tensor.name)) throw new Error(`encodeSafetensors: tensor name ${tensor.name} is reserved or repeated`);
    names.add(tensor.name);
    const count = tensor.shape.reduce((product, d) => product * d, 1);
    if (count !== tensor.data.length) {
      throw new Error(`encodeSafetensors: tensor ${tensor.name} has shape [${tensor.shape.join(', ')}] (${count} values) but ${tensor.data.length} values`);
    }
  }
}

/** One safetensors file: tensors stored in the order given, header padded to 8 bytes as the reference writer does. */
export function encodeSafetensors(tensors: readonly TensorToWrite[], metadata: Record<string, string> = { format: 'pt' }): Buffer {
  checkTensors(tensors);
  const header: Record<string, unknown> = { __metadata__: metadata };
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const bytes = tensorBytes(tensor);
    header[tensor.name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  return Buffer.concat([encodeSafetensorsHeader(header), ...parts]);
}

/**
 * A safetensors file's start: the 8-byte little-endian header length, then the JSON header padded
 * with spaces so that the data region starts 8-byte aligned (readers may then view f32 data in
 * place); for writers that stream the tensor data after it.
 */
export function encodeSafetensorsHeader(header: Readonly<Record<string, unknown>>): Buffer {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json, 'utf8')]);
}

export function writeSafetensors(file: string, tensors: readonly TensorToWrite[]): void {
  writeFileSync(file, encodeSafetensors(tensors));
}

export function shardFileName(shard: number, shards: number): string {
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `model-${pad(shard)}-of-${pad(shards)}.safetensors`;
}

/**
 * Writes `tensors` as `shards` files model-0000i-of-0000N.safetensors, split in order into parts of
 * about equal bytes, plus model.safetensors.index.json mapping each tensor to its shard.
 */
export function writeShardedSafetensors(dir: string, tensors: readonly TensorToWrite[], shards: number): void {
  if (!Number.isInteger(shards) || shards < 1 || shards > tensors.length) {
    throw new Error(`writeShardedSafetensors: shards must be an integer in 1..${tensors.length}, got ${shards}`);
  }
  checkTensors(tensors);
  mkdirSync(dir, { recursive: true });
  const sizes = tensors.map((t) => t.data.length * dtypeByteSize(t.dtype));
  const totalSize = sizes.reduce((sum, size) => sum + size, 0);
  const groups: TensorToWrite[][] = Array.from({ length: shards }, () => []);
  let shard = 0;
  let written = 0;
  tensors.forEach((tensor, i) => {
    // Move to the next shard once this one holds its share of the bytes, or when the tensors left
    // are only just enough to give every remaining shard one.
    const full = written >= (totalSize * (shard + 1)) / shards;
    const mustMove = tensors.length - i === shards - 1 - shard;
    if (shard < shards - 1 && groups[shard]!.length > 0 && (full || mustMove)) shard += 1;
    groups[shard]!.push(tensor);
    written += sizes[i]!;
  });
  const weightMap: Record<string, string> = {};
  groups.forEach((group, i) => {
    const name = shardFileName(i + 1, shards);
    writeSafetensors(join(dir, name), group);
    for (const tensor of group) weightMap[tensor.name] = name;
  });
  const sortedMap = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const index = { metadata: { total_size: totalSize }, weight_map: sortedMap };
  writeFileSync(join(dir, 'model.safetensors.index.json'), `${JSON.stringify(index, null, 2)}\n`);
}
