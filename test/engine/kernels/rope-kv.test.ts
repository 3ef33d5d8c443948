/**
 * shaders/rope_kv.wgsl: splits InternLM2's grouped wqkv rows ([G query heads, key, value] per KV
 * head), rotates queries and keys (rotate-half RoPE with a per-row cos/sin table), and writes keys
 * and values into the cache at each row's (slot, position). Against an f64 reference.
 */
import { describe, it } from 'vitest';
import { expectWithin, gamma } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats } from '../../helpers/seeded-arrays.js';

const FILE = 'rope_kv.wgsl';
const WORKGROUP = 64;

const runner = await KernelRunner.forEachTest();

interface RopeCase {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly slots: number;
  readonly maxLen: number;
  /** (slot, position) per row; rows from `rows` on are dispatched but past step.rows. */
  readonly meta: readonly (readonly [number, number])[];
  readonly rows: number;
  readonly base: number;
}

/** cos (first half) and sin (second half) per row, angles in f64, stored as f32 like engine/rope.ts. */
function ropeTable(positions: readonly number[], headDim: number, base: number): Float32Array {
  const half = headDim / 2;
  const table = new Float32Array(positions.length * headDim);
  positions.forEach((position, row) => {
    for (let i = 0; i < half; i += 1) {
      const angle = position * base ** ((-2 * i) / headDim);
      table[row * headDim + i] = Math.cos(angle);
      table[row * headDim + half + i] = Math.sin(angle);
    }
  });
  return table;
}

async function checkRope(c: RopeCase, seed: string): Promise<void> {
  const random = seededRandom(seed);
  const d = c.headDim;
  const half = d / 2;
  const group = c.heads / c.kvHeads;
  const headsPerRow = c.heads + 2 * c.kvHeads;
  const allocatedRows = c.meta.length;
  const qkv = uniformFloats(random, allocatedRows * headsPerRow * d);
  const rope = ropeTable(c.meta.map(([, position]) => position), d, c.base);
  const cacheLength = c.slots * c.maxLen * c.kvHeads * d;
  // Outputs start as values outside qkv's range, so anything written shows.
  const q0 = uniformFloats(random, allocatedRows * c.heads * d, 10, 20);
  const k0 = uniformFloats(random, cacheLength, 10, 20);
  const v0 = uniformFloats(random, cacheLength, 10, 20);
  const q = runner.storage(q0, 'q');
  const kCache = runner.storage(k0, 'k cache');
  const vCache = runner.storage(v0, 'v cache');
  await runner.dispatch(
    { file: FILE, prelude: ['kv_write/f32.wgsl'] },
    [
      runner.uniform([{ u32: c.heads }, { u32: c.kvHeads }, { u32: d }, { u32: c.maxLen }]),
      runner.storage(qkv, 'qkv'),
      runner.storage(Uint32Array.from(c.meta.flat()), 'row meta'),
      runner.storage(rope, 'rope'),
      q,
      kCache,
      vCache,
      runner.step(c.rows),
    ],
    [Math.ceil(half / WORKGROUP), headsPerRow, allocatedRows],
  );

  // Reference on the same f32 cos/sin. Bound per rotated value: two products and one sum, γ_2 ·
  // (|x1·cos| + |x2·sin|) — exact arithmetic apart from f32 rounding. Values are copied exactly.
  const qExpected = Float64Array.from(q0);
  const qBound = new Float64Array(q0.length);
  const kExpected = Float64Array.from(k0);
  const kBound = new Float64Array(k0.length);
  const vExpected = Float64Array.from(v0);
  for (let row = 0; row < c.rows; row += 1) {
    const [slot, position] = c.meta[row] as readonly [number, number];
    for (let g = 0; g < c.kvHeads; g += 1) {
      const cacheBase = ((slot * c.maxLen + position) * c.kvHeads + g) * d;
      for (let r = 0; r < group + 2; r += 1) {
        const source = (row * headsPerRow + g * (group + 2) + r) * d;
        if (r === group + 1) {
          for (let i = 0; i < d; i += 1) vExpected[cacheBase + i] = qkv[source + i] as number;
          continue;
        }
        const [expected, bound, base] = r === group ? [kExpected, kBound, cacheBase] : [qExpected, qBound, (row * c.heads + g * group + r) * d];
        for (let i = 0; i < half; i += 1) {
          const x1 = qkv[source + i] as number;
          const x2 = qkv[source + half + i] as number;
          const cos = rope[row * d + i] as number;
          const sin = rope[row * d + half + i] as number;
          expected[base + i] = x1 * cos - x2 * sin;
          expected[base + half + i] = x2 * cos + x1 * sin;
          const magnitude = Math.abs(x1 * cos) + Math.abs(x2 * sin) + Math.abs(x2 * cos) + Math.abs(x1 * sin);
          bound[base + i] = gamma(2) * magnitude;
          bound[base + half + i] = gamma(2) * magnitude;
        }
      }
    }
  }
  const what = `rope_kv ${JSON.stringify({ ...c, meta: undefined })}`;
  // Everything not written for a row below step.rows (other cache positions and slots, rows past
  // step.rows) has bound 0 against its initial value: it must be untouched.
  expectWithin(await runner.readFloat32(q, q0.length), qExpected, (i) => qBound[i] as number, `${what}: q`);
  expectWithin(await runner.readFloat32(kCache, k0.length), kExpected, (i) => kBound[i] as number, `${what}: k cache`);
  expectWithin(await runner.readFloat32(vCache, v0.length), vExpected, () => 0, `${what}: v cache (copied unrotated)`);
}

describe('rope_kv', () => {
  const meta: readonly (readonly [number, number])[] = [
    [0, 0],
    [1, 5],
    [2, 17],
    [0, 1],
    [1, 6],
    [2, 16],
    [0, 18],
    // Past step.rows (7): must write nothing.
    [1, 0],
    [2, 3],
  ];
  it.each([
    { heads: 1, kvHeads: 1, headDim: 2, rows: 1 },
    { heads: 4, kvHeads: 2, headDim: 16, rows: 3 },
    { heads: 6, kvHeads: 2, headDim: 130, rows: 7 },
    { heads: 8, kvHeads: 1, headDim: 64, rows: 3 },
    { heads: 2, kvHeads: 2, headDim: 256, rows: 7 },
  ])('heads $heads, KV heads $kvHeads, head_dim $headDim, rows $rows', async ({ heads, kvHeads, headDim, rows }) => {
    await checkRope({ heads, kvHeads, headDim, slots: 3, maxLen: 19, meta: [...meta.slice(0, rows), ...meta.slice(7)], rows, base: 10000 }, `rope ${heads} ${kvHeads} ${headDim} ${rows}`);
  });

  it('rotates by large angles with a large base (positions near 32k, theta 1e6)', async () => {
    const positions: readonly (readonly [number, number])[] = [
      [0, 32767],
      [0, 12345],
      [0, 30000],
    ];
    await checkRope({ heads: 2, kvHeads: 1, headDim: 32, slots: 1, maxLen: 32768, meta: positions, rows: 3, base: 1e6 }, 'rope long');
  });
});
