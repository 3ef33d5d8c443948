/**
 * A validated, streamed safetensors reader. The format: an 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets: [begin, end]}} with offsets relative to the data region
 * that follows it, then the raw little-endian tensor bytes.
 *
 * Not the npm `safetensors` package: that one parses a file already held in memory and trusts the
 * header. Checkpoints are gigabytes, so this reads the header alone, checks every claim it makes
 * against the file, and reads tensor data at offsets on demand (the GPU upload streams it in pieces).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../errors.js';

export type TensorDtype = 'F32' | 'F16' | 'BF16';

export const SUPPORTED_DTYPES: readonly TensorDtype[] = ['F32', 'F16', 'BF16'];

export function dtypeByteSize(dtype: TensorDtype): number {
  return dtype === 'F32' ? 4 : 2;
}

export function isTensorDtype(value: unknown): value is TensorDtype {
  return value === 'F32' || value === 'F16' || value === 'BF16';
}

export interface TensorEntry {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly file: string;
  /** Absolute offset of the tensor's first byte in the file. */
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** A parsed header plus what a content hash needs (the raw header bytes and the file size). */
export interface SafetensorsFile {
  readonly file: string;
  readonly fileSize: number;
  readonly headerBytes: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: readonly TensorEntry[];
}

// The reference implementation refuses headers above 100 MB; a larger one is a corrupt length field.
const MAX_HEADER_BYTES = 100_000_000;
const FIX_FILE = 'the file is damaged or was not fully downloaded: download it again (compare its size with the published one).';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function openForReading(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`${file}: safetensors file not found`, 'check the checkpoint folder: every weight file the model needs must be present.');
    }
    throw new UserError(`${file}: cannot open safetensors file (${code ?? String(error)})`, 'check the path and its permissions.');
  }
}

/** Reads exactly `length` bytes at `position`, or fails naming the file: a short read is truncation. */
async function readExactly(handle: FileHandle, file: string, position: number, length: number, what: string, into?: Uint8Array): Promise<Uint8Array> {
  const bytes = into ? into.subarray(0, length) : new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(bytes, filled, length - filled, position + filled);
    if (bytesRead === 0) {
      throw new UserError(`${file}: file ends after ${position + filled} bytes while reading ${what} (needs ${position + length})`, FIX_FILE);
    }
    filled += bytesRead;
  }
  return bytes;
}

function parseTensor(name: string, raw: unknown, file: string): { dtype: TensorDtype; shape: number[]; begin: number; end: number } {
  const where = `${file}: tensor ${name}`;
  if (!isObject(raw)) throw new UserError(`${where}: header entry is not an object`, FIX_FILE);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (!isTensorDtype(dtype)) {
    throw new UserError(
      `${where} has dtype ${JSON.stringify(dtype)}; supported: ${SUPPORTED_DTYPES.join(', ')}`,
      'convert the checkpoint to bfloat16, float16 or float32 safetensors (quantized and float64 weights are not supported).',
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new UserError(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`, FIX_FILE);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
    throw new UserError(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`, FIX_FILE);
  }
  const [begin, end] = offsets as [number, number];
  const expected = shape.reduce((product: number, d: number) => product * d, 1) * dtypeByteSize(dtype);
  if (end - begin !== expected) {
    throw new UserError(
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`,
      FIX_FILE,
    );
  }
  return { dtype, shape: shape as number[], begin, end };
}

function parseHeader(headerBytes: Uint8Array, file: string, dataStart: number, fileSize: number): { metadata: Record<string, string>; tensors: TensorEntry[] } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new UserError(`${file}: the safetensors header is not valid JSON (${(error as Error).message})`, FIX_FILE);
  }
  if (!isObject(json)) throw new UserError(`${file}: the safetensors header is not a JSON object`, FIX_FILE);

  const metadata: Record<string, string> = {};
  const rawMetadata = json['__metadata__'];
  if (isObject(rawMetadata)) {
    for (const [key, value] of Object.entries(rawMetadata)) if (typeof value === 'string') metadata[key] = value;
  }

  const dataLength = fileSize - dataStart;
  const parsed = Object.entries(json)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, raw]) => ({ name, ...parseTensor(name, raw, file) }));

  for (const tensor of parsed) {
    if (tensor.end > dataLength) {
      throw new UserError(
        `${file}: tensor ${tensor.name} ends at byte ${dataStart + tensor.end}, past the end of the file (${fileSize} bytes): the file is truncated or its header is wrong`,
        FIX_FILE,
      );
    }
  }
  // Sorted by start, a tensor that begins before the furthest end seen so far overlaps an earlier one:
  // a header that lies about offsets would otherwise hand two weights the same bytes without complaint.
  const byStart = parsed.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  let furthest: (typeof parsed)[number] | undefined;
  for (const current of byStart) {
    if (furthest && current.begin < furthest.end) {
      throw new UserError(
        `${file}: tensors ${furthest.name} [${furthest.begin}, ${furthest.end}) and ${current.name} [${current.begin}, ${current.end}) overlap in the data region`,
        FIX_FILE,
      );
    }
    if (!furthest || current.end > furthest.end) furthest = current;
  }

  const tensors = parsed.map((t): TensorEntry => ({
    name: t.name,
    dtype: t.dtype,
    shape: t.shape,
    file,
    byteOffset: dataStart + t.begin,
    byteLength: t.end - t.begin,
  }));
  return { metadata, tensors };
}

/** Reads and validates the header of one safetensors file, without reading tensor data. */
export async function readSafetensorsFile(file: string): Promise<SafetensorsFile> {
  const handle = await openForReading(file);
  try {
    const fileSize = (await handle.stat()).size;
    if (fileSize < 8) {
      throw new UserError(`${file}: only ${fileSize} bytes, too short for a safetensors file (8-byte header length + header)`, FIX_FILE);
    }
    const lengthBytes = await readExactly(handle, file, 0, 8, 'the header length');
    const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
    if (headerLength < 2n || headerLength > BigInt(MAX_HEADER_BYTES) || 8n + headerLength > BigInt(fileSize)) {
      throw new UserError(
        `${file}: header length field says ${headerLength} bytes, but the file has ${fileSize} bytes (a header must fit in the file and be under ${MAX_HEADER_BYTES} bytes): not a safetensors file, or a truncated one`,
        FIX_FILE,
      );
    }
    const headerBytes = await readExactly(handle, file, 8, Number(headerLength), 'the header');
    const { metadata, tensors } = parseHeader(headerBytes, file, 8 + Number(headerLength), fileSize);
    return { file, fileSize, headerBytes, metadata, tensors };
  } finally {
    await handle.close();
  }
}

export async function readSafetensorsHeader(file: string): Promise<TensorEntry[]> {
  return [...(await readSafetensorsFile(file)).tensors];
}

/**
 * Reads bytes [byteStart, byteStart + byteLength) of one tensor (default: all of it) from its file.
 * Only that range is read, so a caller can stream a large tensor in pieces. With `into` (at least
 * byteLength bytes) the bytes land there and a view of them is returned: a loader that reuses one
 * buffer skips the page faults of fresh memory (~40 ms per 64 MiB on the development machine).
 */
export async function readTensorBytes(entry: TensorEntry, byteStart = 0, byteLength = entry.byteLength - byteStart, into?: Uint8Array): Promise<Uint8Array> {
  if (into && into.byteLength < byteLength) throw new RangeError(`readTensorBytes(${entry.name}): ${byteLength} bytes do not fit the ${into.byteLength}-byte buffer given`);
  if (!Number.isInteger(byteStart) || !Number.isInteger(byteLength) || byteStart < 0 || byteLength < 0 || byteStart + byteLength > entry.byteLength) {
    throw new RangeError(`readTensorBytes(${entry.name}): range [${byteStart}, ${byteStart + byteLength}) is outside the tensor's ${entry.byteLength} bytes`);
  }
  const handle = await openForReading(entry.file);
  try {
    return await readExactly(handle, entry.file, entry.byteOffset + byteStart, byteLength, `tensor ${entry.name}`, into);
  } finally {
    await handle.close();
  }
}

// f16 → f32 by table: 65,536 entries (256 KiB) decode every half exactly, subnormals included.
let halfTable: Float32Array | undefined;

function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h += 1) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[h] = mantissa === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  halfTable = table;
  return table;
}

/** Little-endian u16 values of a byte range, wherever the range starts (Uint16Array needs alignment). */
function uint16Values(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return new Uint16Array(bytes.slice().buffer);
}

/** Decodes raw little-endian tensor bytes to float32 (exact for all three dtypes). */
export function decodeToFloat32(dtype: TensorDtype, bytes: Uint8Array): Float32Array {
  const size = dtypeByteSize(dtype);
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`decodeToFloat32: ${bytes.byteLength} bytes is not a whole number of ${dtype} values`);
  }
  if (dtype === 'F32') {
    return bytes.byteOffset % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice()
      : new Float32Array(bytes.slice().buffer);
  }
  const halves = uint16Values(bytes);
  const out = new Float32Array(halves.length);
  if (dtype === 'F16') {
    const table = halfToFloatTable();
    for (let i = 0; i < halves.length; i += 1) out[i] = table[halves[i]!]!;
  } else {
    // bf16 is the top half of an f32: shift the bits into place.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i += 1) bits[i] = halves[i]! << 16;
  }
  return out;
}
