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
