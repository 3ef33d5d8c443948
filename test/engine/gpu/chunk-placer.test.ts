/**
 * engine/gpu/chunk-placer.ts and shaders/transpose_weights.wgsl: the host transpose (transposeBytes:
 * tiles, 16-bit word pairs) and a chunk placed in the 'kn' layout by the device both hold exactly
 * the bytes of a one-value-at-a-time transpose, for 16-bit and 32-bit values, shapes that span
 * several tiles / workgroups in both directions and ragged 32-bit edges;
 * several chunks queued back to back through one staging buffer each keep their own data; 16-bit
 * shapes the kernel cannot pair into words fall back to the host; 'nk' chunks go in as stored.
 */
import { describe, expect, it } from 'vitest';
import { ChunkPlacer, LoadProfile, transposeBytes } from '../../../engine/gpu/chunk-placer.js';
import type { WeightFormat } from '../../../engine/gpu/kernels.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom } from '../../helpers/seeded-arrays.js';

const runner = await KernelRunner.forEachTest();

/** rows × cols random values of `format`'s width, as stored bytes (every bit pattern, NaNs included). */
function storedBytes(rows: number, cols: number, format: WeightFormat, seed: string): Uint8Array {
  const random = seededRandom(seed);
  const bytes = new Uint8Array(rows * cols * (format === 'f32' ? 4 : 2));
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** The reference: placed[c][r] = stored[r][c], one value at a time. */
function naiveTranspose(data: Uint8Array, rows: number, cols: number, bytesPerValue: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      for (let b = 0; b < bytesPerValue; b += 1) out[(c * rows + r) * bytesPerValue + b] = data[(r * cols + c) * bytesPerValue + b] as number;
    }
  }
  return out;
}

async function readBytes(buffer: GPUBuffer, length: number): Promise<Uint8Array> {
  const words = await runner.readUint32(buffer, Math.ceil(length / 4));
  return new Uint8Array(words.buffer, 0, length);
}

describe('chunk placer', () => {
  // [rows, cols]: one workgroup, several in x (cols / 2 > 16) and y (rows / 2 > 4), ragged edges (f32 only).
  const shapes: readonly (readonly [number, number])[] = [[2, 2], [6, 10], [64, 34], [130, 66], [36, 200], [200, 132]];
  const ragged: readonly (readonly [number, number])[] = [[1, 1], [5, 3], [67, 33]];

  it('transposes on the host like the one-value-at-a-time loop, into a reused buffer too', () => {
    for (const format of ['bf16', 'f32'] as const) {
      const bytesPerValue = format === 'f32' ? 4 : 2;
      for (const [rows, cols] of [...shapes, ...ragged, [4, 7], [3, 66]] as const) {
        const data = storedBytes(rows, cols, format, `host ${format} ${rows}x${cols}`);
        const expected = naiveTranspose(data, rows, cols, bytesPerValue);
        expect(transposeBytes(data, rows, cols, bytesPerValue), `${format} ${rows}×${cols}`).toEqual(expected);
        const reused = new Uint8Array(data.length + 64).fill(0xee);
        expect(transposeBytes(data, rows, cols, bytesPerValue, reused), `${format} ${rows}×${cols} into a larger buffer`).toEqual(expected);
      }
    }
  });

  it.each(['bf16', 'f16', 'f32'] as const)('transposes %s chunks on the device bit for bit like the host', async (format) => {
    const placer = await ChunkPlacer.create(runner.context.device);
    const cases = [...shapes, ...(format === 'f32' ? ragged : [])];
    for (const [rows, cols] of cases) expect(ChunkPlacer.deviceTransposes(rows, cols, format)).toBe(true);
    // All queued before any is read: the staging buffer is shared, queue order keeps them apart.
    const data = cases.map(([rows, cols]) => storedBytes(rows, cols, format, `${format} ${rows}x${cols}`));
    const placed = await Promise.all(cases.map(([rows, cols], i) => placer.place(`w${i}`, rows, cols, format, data[i] as Uint8Array, 'kn')));
    await placer.finish();
    for (const [i, [rows, cols]] of cases.entries()) {
      const expected = naiveTranspose(data[i] as Uint8Array, rows, cols, format === 'f32' ? 4 : 2);
      expect(await readBytes(placed[i] as GPUBuffer, expected.length), `${format} ${rows}×${cols}`).toEqual(expected);
      placed[i]?.destroy();
    }
  });

  it('transposes 16-bit chunks with an odd row or column count on the host', async () => {
    const profile = new LoadProfile();
    const placer = await ChunkPlacer.create(runner.context.device, { profile });
    for (const [rows, cols] of [[5, 4], [4, 7], [3, 3]] as const) {
      expect(ChunkPlacer.deviceTransposes(rows, cols, 'bf16')).toBe(false);
      const data = storedBytes(rows, cols, 'bf16', `odd ${rows}x${cols}`);
      const buffer = await placer.place('odd', rows, cols, 'bf16', data, 'kn');
      await placer.finish();
      expect(await readBytes(buffer, data.length)).toEqual(naiveTranspose(data, rows, cols, 2));
      buffer.destroy();
    }
    expect(profile.phases().map((p) => p.phase)).toContain('transpose (host)');
  });

  it('places nk chunks as stored, and the host path gives the same kn bytes as the device', async () => {
    const host = await ChunkPlacer.create(runner.context.device, { transpose: 'host' });
    const device = await ChunkPlacer.create(runner.context.device);
    const data = storedBytes(40, 24, 'bf16', 'nk');
    const nk = await device.place('nk', 40, 24, 'bf16', data, 'nk');
    const viaHost = await host.place('kn host', 40, 24, 'bf16', data, 'kn');
    const viaDevice = await device.place('kn device', 40, 24, 'bf16', data, 'kn');
    await Promise.all([host.finish(), device.finish()]);
    expect(await readBytes(nk, data.length)).toEqual(data);
    expect(await readBytes(viaDevice, data.length)).toEqual(await readBytes(viaHost, data.length));
    expect(await readBytes(viaHost, data.length)).toEqual(naiveTranspose(data, 40, 24, 2));
    for (const b of [nk, viaHost, viaDevice]) b.destroy();
  });
});
