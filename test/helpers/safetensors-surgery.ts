/**
 * Edits a safetensors file's header in place while keeping its data region, so that tests can build
 * files whose header lies (wrong dtype, overlapping offsets, missing tensors) from a valid fixture.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export type SafetensorsHeader = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;

export function readHeaderJson(file: string): { header: SafetensorsHeader; data: Buffer } {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as SafetensorsHeader;
  return { header, data: bytes.subarray(8 + length) };
}

/** Rewrites the header with `edit`; data offsets are relative to the data region, so they stay valid. */
export function editHeader(file: string, edit: (header: SafetensorsHeader) => void): void {
  const { header, data } = readHeaderJson(file);
  edit(header);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([length, json, data]));
}

/** The header entry of one tensor, typed for editing. */
export function tensorEntry(header: SafetensorsHeader, name: string): { dtype: string; shape: number[]; data_offsets: [number, number] } {
  const entry = header[name];
  if (!entry || !('data_offsets' in entry)) throw new Error(`test setup: no tensor ${name} in header`);
  return entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
}

/**
 * Overwrites one value of a tensor in place (its element `index`, row-major), in the tensor's own
 * dtype: what a damaged download or a diverged training step leaves in a checkpoint. F32 and BF16
 * take any float (BF16 keeps the upper half of the f32 bits, which preserves NaN and ±Inf); F16
 * takes NaN and ±Inf only.
 */
export function writeTensorValue(file: string, name: string, index: number, value: number): void {
  const bytes = readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as SafetensorsHeader;
  const entry = tensorEntry(header, name);
  const start = 8 + headerLength + entry.data_offsets[0];
  if (entry.dtype === 'F32') {
    bytes.writeFloatLE(value, start + 4 * index);
  } else if (entry.dtype === 'BF16') {
    const f32 = Buffer.alloc(4);
    f32.writeFloatLE(value);
    bytes.writeUInt16LE(f32.readUInt16LE(2), start + 2 * index);
  } else if (entry.dtype === 'F16') {
    if (!Number.isNaN(value) && Number.isFinite(value)) throw new Error('test setup: F16 surgery writes only NaN or ±Inf');
    bytes.writeUInt16LE(Number.isNaN(value) ? 0x7e00 : value > 0 ? 0x7c00 : 0xfc00, start + 2 * index);
  } else {
    throw new Error(`test setup: cannot write a value into a ${entry.dtype} tensor`);
  }
  writeFileSync(file, bytes);
}

/** Sets every value of an F32 tensor to `value` (finite values that overflow f32 arithmetic downstream). */
export function fillF32Tensor(file: string, name: string, value: number): void {
  const bytes = readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as SafetensorsHeader;
  const entry = tensorEntry(header, name);
  if (entry.dtype !== 'F32') throw new Error(`test setup: ${name} is ${entry.dtype}, not F32`);
  const [begin, end] = entry.data_offsets;
  for (let at = 8 + headerLength + begin; at < 8 + headerLength + end; at += 4) bytes.writeFloatLE(value, at);
  writeFileSync(file, bytes);
}
