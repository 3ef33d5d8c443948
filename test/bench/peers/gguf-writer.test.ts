import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeGgufHeader, writeGgufFile, type GgufMetadataValue, type GgufTensor } from '../../../bench/peers/gguf-writer.js';
import { readGguf } from './gguf-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'gnomon-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** The f32 values of a byte range (copied: a Buffer's .buffer is Node's shared pool). */
function floats(bytes: Uint8Array): number[] {
  return [...new Float32Array(Uint8Array.from(bytes).buffer)];
}

describe('writeGgufFile', () => {
  const metadata = new Map<string, GgufMetadataValue>([
    ['general.architecture', { type: 'string', value: 'internlm2' }],
    ['general.alignment', { type: 'uint32', value: 32 }],
    ['a.u8', { type: 'uint8', value: 250 }],
    ['a.i8', { type: 'int8', value: -5 }],
    ['a.u16', { type: 'uint16', value: 65000 }],
    ['a.i16', { type: 'int16', value: -30000 }],
    ['a.i32', { type: 'int32', value: -7 }],
    ['a.f32', { type: 'float32', value: 1e-5 }],
    ['a.f64', { type: 'float64', value: Math.PI }],
    ['a.bool', { type: 'bool', value: true }],
    ['a.u64', { type: 'uint64', value: 2n ** 40n + 3n }],
    ['a.i64', { type: 'int64', value: -(2n ** 40n) }],
    ['a.strings', { type: 'array', itemType: 'string', values: ['<unk>', '▁ü', ''] }],
    ['a.scores', { type: 'array', itemType: 'float32', values: new Float32Array([0, -1.5, 2.25]) }],
    ['a.types', { type: 'array', itemType: 'int32', values: new Int32Array([2, 3, -1]) }],
  ]);
  // Odd sizes: 3 f32 (12 bytes) and 5 f16 (10 bytes) need padding to the 32-byte alignment.
  const tensors: GgufTensor[] = [
    { name: 'odd.weight', type: 'F32', dims: [3], data: () => f32Bytes([1, 2, 3]) },
    { name: 'half.weight', type: 'F16', dims: [5, 1], data: () => new Uint8Array([1, 0, 2, 0, 3, 0, 4, 0, 5, 0]) },
    { name: 'matrix.weight', type: 'F32', dims: [2, 4], data: () => f32Bytes([0, 1, 2, 3, 4, 5, 6, 7]) },
  ];

  it('writes a file the spec-level reader parses back: header, every KV type, tensor infos, aligned data', async () => {
    const file = join(dir, 'kinds.gguf');
    const size = await writeGgufFile(file, metadata, tensors);
    const bytes = readFileSync(file);
    expect(statSync(file).size).toBe(size);
    const gguf = readGguf(bytes);
    expect(gguf.version).toBe(3);
    expect(bytes.readBigUInt64LE(8)).toBe(3n); // tensor_count
    expect(bytes.readBigUInt64LE(16)).toBe(BigInt(metadata.size)); // metadata_kv_count
    expect([...gguf.metadata.keys()]).toEqual([...metadata.keys()]);
    expect(gguf.metadata.get('general.architecture')).toEqual({ type: 8, value: 'internlm2' });
    expect(gguf.metadata.get('a.u8')).toEqual({ type: 0, value: 250 });
    expect(gguf.metadata.get('a.i8')).toEqual({ type: 1, value: -5 });
    expect(gguf.metadata.get('a.u16')).toEqual({ type: 2, value: 65000 });
    expect(gguf.metadata.get('a.i16')).toEqual({ type: 3, value: -30000 });
    expect(gguf.metadata.get('general.alignment')).toEqual({ type: 4, value: 32 });
    expect(gguf.metadata.get('a.i32')).toEqual({ type: 5, value: -7 });
    expect(gguf.metadata.get('a.f32')).toEqual({ type: 6, value: Math.fround(1e-5) });
    expect(gguf.metadata.get('a.bool')).toEqual({ type: 7, value: true });
    expect(gguf.metadata.get('a.u64')).toEqual({ type: 10, value: 2n ** 40n + 3n });
    expect(gguf.metadata.get('a.i64')).toEqual({ type: 11, value: -(2n ** 40n) });
    expect(gguf.metadata.get('a.f64')).toEqual({ type: 12, value: Math.PI });
    expect(gguf.metadata.get('a.strings')).toEqual({ type: 9, itemType: 8, value: ['<unk>', '▁ü', ''] });
    expect(gguf.metadata.get('a.scores')).toEqual({ type: 9, itemType: 6, value: [0, -1.5, 2.25] });
    expect(gguf.metadata.get('a.types')).toEqual({ type: 9, itemType: 5, value: [2, 3, -1] });

    expect(gguf.tensors).toEqual([
      { name: 'odd.weight', dims: [3], type: 0, offset: 0 },
      { name: 'half.weight', dims: [5, 1], type: 1, offset: 32 },
      { name: 'matrix.weight', dims: [2, 4], type: 0, offset: 64 },
    ]);
    expect(gguf.dataStart % 32).toBe(0);
    // Padding between the tensor infos and the data is zeros.
    expect(gguf.dataStart - gguf.infoEnd).toBeLessThan(32);
    expect([...bytes.subarray(gguf.infoEnd, gguf.dataStart)].every((b) => b === 0)).toBe(true);
    expect(floats(gguf.tensorBytes('odd.weight', 12))).toEqual([1, 2, 3]);
    expect([...gguf.tensorBytes('half.weight', 10)]).toEqual([1, 0, 2, 0, 3, 0, 4, 0, 5, 0]);
    expect(floats(gguf.tensorBytes('matrix.weight', 32))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The last tensor is padded too: the file ends on the alignment.
    expect(size).toBe(gguf.dataStart + 64 + 32);
    expect([...bytes.subarray(gguf.dataStart + 12, gguf.dataStart + 32)].every((b) => b === 0)).toBe(true);
  });

  it('follows a non-default general.alignment', () => {
    const layout = encodeGgufHeader(new Map([['general.alignment', { type: 'uint32', value: 64 }]]), [
      { name: 'a', type: 'F32', dims: [3] },
      { name: 'b', type: 'F32', dims: [20] },
      { name: 'c', type: 'F16', dims: [1] },
    ]);
    expect(layout.offsets).toEqual([0, 64, 192]);
    expect(layout.header.length % 64).toBe(0);
    expect(readGguf(Buffer.concat([layout.header, Buffer.alloc(layout.dataBytes)])).dataStart).toBe(layout.header.length);
  });

  it('refuses a tensor whose bytes do not match its dims, a repeated name and a name over 64 bytes', async () => {
    await expect(writeGgufFile(join(dir, 'short.gguf'), new Map(), [{ name: 'x', type: 'F32', dims: [4], data: () => f32Bytes([1, 2, 3]) }])).rejects.toThrow(/gave 12 bytes.*need 16/);
    expect(() => encodeGgufHeader(new Map(), [{ name: 'x', type: 'F32', dims: [1] }, { name: 'x', type: 'F32', dims: [1] }])).toThrow(/twice/);
    expect(() => encodeGgufHeader(new Map(), [{ name: 'n'.repeat(65), type: 'F32', dims: [1] }])).toThrow(/64 bytes/);
    expect(() => encodeGgufHeader(new Map([['general.alignment', { type: 'uint32', value: 12 }]]), [])).toThrow(/multiple of 8/);
  });
});
