/**
 * Writes GGUF version 3 files (ggml's model format, read by llama.cpp): the header, the metadata
 * key/value pairs, the tensor infos, padding to the alignment, then each tensor's data padded to the
 * alignment. Layout as specified in ggml's docs/gguf.md (github.com/ggml-org/ggml): little-endian,
 * strings as uint64 length + UTF-8 bytes, tensor offsets relative to the start of the data section
 * and multiples of `general.alignment` (32 unless the file says otherwise).
 *
 * Tensor data is streamed: each tensor's bytes are asked for when they are written, so a 4 GB model
 * never sits in memory at once.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** gguf_metadata_value_type in the spec. */
export const GGUF_VALUE_TYPES = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufScalarType = Exclude<keyof typeof GGUF_VALUE_TYPES, 'array'>;

export type GgufMetadataValue =
  | { readonly type: Exclude<GgufScalarType, 'string' | 'bool' | 'uint64' | 'int64'>; readonly value: number }
  | { readonly type: 'uint64' | 'int64'; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'array'; readonly itemType: Exclude<GgufScalarType, 'string' | 'bool' | 'uint64' | 'int64'>; readonly values: ArrayLike<number> }
  | { readonly type: 'array'; readonly itemType: 'string'; readonly values: readonly string[] };

/** ggml_type of the tensors this writer stores (the unquantized ones). */
export const GGML_TYPES = { F32: 0, F16: 1 } as const;
export type GgmlTensorType = keyof typeof GGML_TYPES;
const GGML_TYPE_BYTES: Record<GgmlTensorType, number> = { F32: 4, F16: 2 };

export interface GgufTensor {
  /** At most 64 bytes (the spec's limit). */
  readonly name: string;
  readonly type: GgmlTensorType;
  /** ggml order: ne[0] first, the fastest-varying (a row-major [out, in] matrix is [in, out]). */
  readonly dims: readonly number[];
  /** The tensor's bytes in ggml order; asked for once, when the tensor is written. */
  readonly data: () => Uint8Array | Promise<Uint8Array>;
}

export function ggufTensorByteLength(tensor: Pick<GgufTensor, 'type' | 'dims'>): number {
  return tensor.dims.reduce((product, d) => product * d, 1) * GGML_TYPE_BYTES[tensor.type];
}

export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

/** Growable little-endian byte sink for the header part of the file. */
class ByteSink {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  u8(value: number): void { this.reserve(1); this.buffer.writeUInt8(value, this.length); this.length += 1; }
  i8(value: number): void { this.reserve(1); this.buffer.writeInt8(value, this.length); this.length += 1; }
  u16(value: number): void { this.reserve(2); this.buffer.writeUInt16LE(value, this.length); this.length += 2; }
  i16(value: number): void { this.reserve(2); this.buffer.writeInt16LE(value, this.length); this.length += 2; }
  u32(value: number): void { this.reserve(4); this.buffer.writeUInt32LE(value, this.length); this.length += 4; }
  i32(value: number): void { this.reserve(4); this.buffer.writeInt32LE(value, this.length); this.length += 4; }
  f32(value: number): void { this.reserve(4); this.buffer.writeFloatLE(value, this.length); this.length += 4; }
  f64(value: number): void { this.reserve(8); this.buffer.writeDoubleLE(value, this.length); this.length += 8; }
  u64(value: bigint | number): void { this.reserve(8); this.buffer.writeBigUInt64LE(BigInt(value), this.length); this.length += 8; }
  i64(value: bigint): void { this.reserve(8); this.buffer.writeBigInt64LE(value, this.length); this.length += 8; }

  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
  }

  zeros(count: number): void {
    this.reserve(count);
    this.buffer.fill(0, this.length, this.length + count);
    this.length += count;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function writeNumber(sink: ByteSink, type: Exclude<GgufScalarType, 'string' | 'bool' | 'uint64' | 'int64'>, value: number): void {
  switch (type) {
    case 'uint8': sink.u8(value); break;
    case 'int8': sink.i8(value); break;
    case 'uint16': sink.u16(value); break;
    case 'int16': sink.i16(value); break;
    case 'uint32': sink.u32(value); break;
    case 'int32': sink.i32(value); break;
    case 'float32': sink.f32(value); break;
    case 'float64': sink.f64(value); break;
  }
}

function writeValue(sink: ByteSink, value: GgufMetadataValue): void {
  sink.u32(GGUF_VALUE_TYPES[value.type]);
  switch (value.type) {
    case 'string': sink.string(value.value); return;
    case 'bool': sink.u8(value.value ? 1 : 0); return;
    case 'uint64': sink.u64(value.value); return;
    case 'int64': sink.i64(value.value); return;
    case 'array': {
      sink.u32(GGUF_VALUE_TYPES[value.itemType]);
      sink.u64(value.values.length);
      if (value.itemType === 'string') {
        for (const item of value.values as readonly string[]) sink.string(item);
      } else {
        const itemType = value.itemType;
        const values = value.values as ArrayLike<number>;
        for (let i = 0; i < values.length; i += 1) writeNumber(sink, itemType, values[i]!);
      }
      return;
    }
    default: writeNumber(sink, value.type, value.value);
  }
}

export interface GgufLayout {
  /** Everything before the data section, padded to the alignment. */
  readonly header: Buffer;
  /** Each tensor's offset from the start of the data section. */
  readonly offsets: readonly number[];
  /** Bytes of the data section, padding after the last tensor included. */
  readonly dataBytes: number;
  readonly alignment: number;
}

/**
 * The header, metadata and tensor infos of a file holding `tensors` in the order given. The
 * alignment is `general.alignment` when the metadata sets it (a uint32), else 32.
 */
export function encodeGgufHeader(metadata: ReadonlyMap<string, GgufMetadataValue>, tensors: readonly Pick<GgufTensor, 'name' | 'type' | 'dims'>[]): GgufLayout {
  const alignmentValue = metadata.get('general.alignment');
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentValue) {
    if (alignmentValue.type !== 'uint32' || alignmentValue.value <= 0 || alignmentValue.value % 8 !== 0) {
      throw new Error('gguf: general.alignment must be a uint32 multiple of 8');
    }
    alignment = alignmentValue.value;
  }
  const sink = new ByteSink();
  for (const char of GGUF_MAGIC) sink.u8(char.charCodeAt(0));
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(metadata.size);
  for (const [key, value] of metadata) {
    sink.string(key);
    writeValue(sink, value);
  }
  const offsets: number[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const tensor of tensors) {
    if (Buffer.byteLength(tensor.name) > 64) throw new Error(`gguf: tensor name ${tensor.name} is longer than 64 bytes`);
    if (names.has(tensor.name)) throw new Error(`gguf: tensor ${tensor.name} appears twice`);
    names.add(tensor.name);
    sink.string(tensor.name);
    sink.u32(tensor.dims.length);
    for (const d of tensor.dims) sink.u64(d);
    sink.u32(GGML_TYPES[tensor.type]);
    sink.u64(offset);
    offsets.push(offset);
    offset = alignUp(offset + ggufTensorByteLength(tensor), alignment);
  }
  sink.zeros(alignUp(sink.length, alignment) - sink.length);
  return { header: Buffer.from(sink.bytes()), offsets, dataBytes: offset, alignment };
}

/** Writes a whole GGUF file; returns its size in bytes. */
export async function writeGgufFile(file: string, metadata: ReadonlyMap<string, GgufMetadataValue>, tensors: readonly GgufTensor[]): Promise<number> {
  const layout = encodeGgufHeader(metadata, tensors);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, layout.header);
    let written = 0;
    for (let i = 0; i < tensors.length; i += 1) {
      const tensor = tensors[i]!;
      const bytes = await tensor.data();
      const expected = ggufTensorByteLength(tensor);
      if (bytes.byteLength !== expected) throw new Error(`gguf: tensor ${tensor.name} gave ${bytes.byteLength} bytes, its dims [${tensor.dims.join(', ')}] of ${tensor.type} need ${expected}`);
      if (written !== layout.offsets[i]) throw new Error(`gguf: internal offset mismatch at ${tensor.name}`);
      writeSync(fd, bytes);
      const padded = alignUp(written + bytes.byteLength, layout.alignment);
      if (padded > written + bytes.byteLength) writeSync(fd, Buffer.alloc(padded - written - bytes.byteLength));
      written = padded;
    }
    return layout.header.length + written;
  } finally {
    closeSync(fd);
  }
}
