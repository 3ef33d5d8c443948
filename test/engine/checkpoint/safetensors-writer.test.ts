import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeToFloat32, readSafetensorsFile, readSafetensorsHeader, readTensorBytes, type TensorDtype } from '../../../engine/checkpoint/safetensors.js';
import { encodeSafetensors, float32ToBfloat16Bits, writeSafetensors, writeShardedSafetensors, type TensorToWrite } from '../../../engine/checkpoint/safetensors-writer.js';
import { makeTempFolder, removeTempFolder } from '../../helpers/internlm2-fixtures.js';

/** Every finite f16 value in increasing order, with its bits: the reference for nearest-even rounding. */
const halfGrid: { value: number; bits: number }[] = (() => {
  const all = decodeToFloat32('F16', new Uint8Array(new Uint16Array(Array.from({ length: 65536 }, (_, h) => h)).buffer));
  const grid: { value: number; bits: number }[] = [];
  all.forEach((value, bits) => { if (Number.isFinite(value) && !Object.is(value, -0)) grid.push({ value, bits }); });
  return grid.sort((a, b) => a.value - b.value);
})();

/** Nearest f16 by search over the grid (ties to the even bit pattern), overflow to ±inf: independent of the writer. */
function referenceHalf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) >= 65520) return x > 0 ? Infinity : -Infinity; // 65504 + half an ulp: rounds to inf
  let lo = 0;
  let hi = halfGrid.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (halfGrid[mid]!.value <= x) lo = mid; else hi = mid;
  }
  const below = halfGrid[lo]!;
  const above = halfGrid[hi]!;
  const pick = x - below.value < above.value - x ? below : x - below.value > above.value - x ? above : (below.bits & 1) === 0 ? below : above;
  return pick.value === 0 && (x < 0 || Object.is(x, -0)) ? -0 : pick.value;
}

/** Nearest bf16 by comparing the two truncations in double precision (ties to even). */
function referenceBfloat16(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0]!;
  if (Number.isNaN(x)) return Number.NaN;
  const down = new Float32Array(new Uint32Array([bits & 0xffff0000]).buffer)[0]!;
  const up = new Float32Array(new Uint32Array([((bits & 0xffff0000) + 0x10000) >>> 0]).buffer)[0]!;
  const xf = f[0]!;
  // Past the largest bf16 the next step up is infinity; IEEE rounding measures it as if it were 2^128.
  const upAsNumber = Number.isFinite(up) ? up : Math.sign(up) * 2 ** 128;
  const dDown = Math.abs(xf - down);
  const dUp = Math.abs(upAsNumber - xf);
  if (dDown < dUp) return down;
  if (dUp < dDown) return up;
  return ((bits >>> 16) & 1) === 0 ? down : up;
}

function testValues(count: number, seed: string): Float32Array {
  const random = seedrandom(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 1) values[i] = (random() - 0.5) * 2 ** Math.floor(random() * 50 - 30);
  // Edge cases: zeros, ties, subnormals, overflow, the largest finite values, infinities, NaN.
  values.set([0, -0, 1, -1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -26, 6e-8, 65504, 65519, 65520, 1e6, -1e6, 3.4e38, Infinity, -Infinity, Number.NaN]);
  return values;
}

function expectSameFloats(got: Float32Array, expected: readonly number[]): void {
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < got.length; i += 1) {
    if (Number.isNaN(expected[i]!)) expect(got[i]).toBeNaN();
    else if (got[i] !== expected[i] || Object.is(got[i], -0) !== Object.is(expected[i], -0)) {
      throw new Error(`value ${i}: got ${got[i]}, expected ${expected[i]}`);
    }
  }
}

describe('f32 → f16 / bf16 rounding', () => {
  it('f16: every finite half survives a round trip, midpoints between halves round to even', () => {
    const halves = halfGrid.map((h) => h.value);
    const back = decodeToFloat32('F16', new Uint8Array(readTensorData(halves, 'F16')));
    expectSameFloats(back, halves);
    const midpoints = halfGrid.slice(0, -1).map((h, i) => (h.value + halfGrid[i + 1]!.value) / 2).filter((m) => Math.fround(m) === m);
    expect(midpoints.length).toBeGreaterThan(60000);
    expectSameFloats(decodeToFloat32('F16', new Uint8Array(readTensorData(midpoints, 'F16'))), midpoints.map(referenceHalf));
  });

  it('f16 and bf16 match independent nearest-even references on random and edge values', () => {
    const values = testValues(20000, 'rounding');
    expectSameFloats(decodeToFloat32('F16', new Uint8Array(readTensorData(Array.from(values), 'F16'))), Array.from(values, referenceHalf));
    expectSameFloats(decodeToFloat32('BF16', new Uint8Array(float32ToBfloat16Bits(values).buffer)), Array.from(values, referenceBfloat16));
  });

  it('bf16 keeps NaN a NaN and rounds the largest floats to infinity', () => {
    const out = decodeToFloat32('BF16', new Uint8Array(float32ToBfloat16Bits(new Float32Array([Number.NaN, 3.4028234e38, -3.4028234e38])).buffer));
    expect(out[0]).toBeNaN();
    expect(Array.from(out.subarray(1))).toEqual([Infinity, -Infinity]);
  });
});

/** The data bytes of one tensor holding `values` as `dtype`, via encodeSafetensors. */
function readTensorData(values: readonly number[], dtype: TensorDtype): Uint8Array {
  const file = encodeSafetensors([{ name: 'x', dtype, shape: [values.length], data: new Float32Array(values) }]);
  const length = Number(file.readBigUInt64LE(0));
  return new Uint8Array(file.subarray(8 + length));
}

describe('writeSafetensors round trip', () => {
  const dir = makeTempFolder();
  afterAll(() => removeTempFolder(dir));

  it('write → read header → decode equals the input after dtype rounding', async () => {
    const values = testValues(3 * 5 * 7, 'round-trip');
    const tensors: TensorToWrite[] = (['F32', 'F16', 'BF16'] as const).map((dtype) => ({ name: `t.${dtype}`, dtype, shape: [3, 5, 7], data: values }));
    tensors.push({ name: 'scalar', dtype: 'F32', shape: [], data: new Float32Array([42]) }, { name: 'empty', dtype: 'BF16', shape: [0, 4], data: new Float32Array(0) });
    const file = join(dir, 'round-trip.safetensors');
    writeSafetensors(file, tensors);

    const parsed = await readSafetensorsFile(file);
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect((8 + parsed.headerBytes.length) % 8).toBe(0);
    const entries = new Map(parsed.tensors.map((e) => [e.name, e]));
    const expected: Record<TensorDtype, (x: number) => number> = { F32: (x) => x, F16: referenceHalf, BF16: referenceBfloat16 };
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const entry = entries.get(`t.${dtype}`)!;
      expect(entry).toMatchObject({ dtype, shape: [3, 5, 7] });
      expectSameFloats(decodeToFloat32(dtype, await readTensorBytes(entry)), Array.from(values, expected[dtype]));
    }
    expect(Array.from(decodeToFloat32('F32', await readTensorBytes(entries.get('scalar')!)))).toEqual([42]);
    expect(entries.get('empty')).toMatchObject({ shape: [0, 4], byteLength: 0 });
  });

  it('writes custom metadata and refuses inconsistent tensors', () => {
    const bytes = encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Float32Array(2) }], { source: 'test' });
    expect(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()).toContain('"__metadata__":{"source":"test"}');
    expect(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/shape \[2, 2\] \(4 values\) but 3 values/);
    const a = { name: 'a', dtype: 'F32', shape: [1], data: new Float32Array(1) } as const;
    expect(() => encodeSafetensors([a, a])).toThrow(/reserved or repeated/);
  });
});

describe('writeShardedSafetensors', () => {
  const dir = makeTempFolder();
  afterAll(() => removeTempFolder(dir));
  const sizes = [1000, 10, 10, 10, 10, 10, 500, 10, 10, 3000, 10];
  const tensors: TensorToWrite[] = sizes.map((size, i) => ({ name: `tensor.${String(i).padStart(2, '0')}`, dtype: i % 2 ? 'BF16' : 'F32', shape: [size], data: new Float32Array(size).fill(i) }));

  for (const shards of [1, 3, sizes.length]) {
    it(`splits ${sizes.length} tensors into ${shards} non-empty shards with an index`, async () => {
      const out = join(dir, `shards-${shards}`);
      writeShardedSafetensors(out, tensors, shards);
      const index = JSON.parse(readFileSync(join(out, 'model.safetensors.index.json'), 'utf8')) as { metadata: { total_size: number }; weight_map: Record<string, string> };
      expect(index.metadata.total_size).toBe(sizes.reduce((sum, size, i) => sum + size * (i % 2 ? 2 : 4), 0));
      expect(Object.keys(index.weight_map)).toEqual(tensors.map((t) => t.name));
      const shardNames = [...new Set(Object.values(index.weight_map))].sort();
      expect(shardNames).toEqual(Array.from({ length: shards }, (_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`));
      for (const shard of shardNames) {
        const entries = await readSafetensorsHeader(join(out, shard));
        expect(entries.length).toBeGreaterThan(0);
        for (const entry of entries) {
          expect(index.weight_map[entry.name]).toBe(shard);
          const i = Number(entry.name.slice(-2));
          expect(Array.from(decodeToFloat32(entry.dtype, await readTensorBytes(entry, 0, entry.byteLength)).subarray(0, 3))).toEqual([i, i, i]);
        }
      }
    });
  }

  it('refuses more shards than tensors', () => {
    expect(() => writeShardedSafetensors(join(dir, 'too-many'), tensors.slice(0, 2), 3)).toThrow(/shards must be an integer in 1\.\.2/);
  });
});
