/**
 * shaders/attention_tiled.wgsl (prefill) and attention_split.wgsl + attention_merge.wgsl (decode):
 * within a stated bound of an f64 softmax-attention reference, bit-for-bit equal to each other on
 * every row (the model picks between them by row count), and equal to attention.wgsl below one
 * segment (256 keys). The CPU family's attention_rows.wgsl (prefill) and attention_lanes.wgsl
 * (decode) give the same bits. Ragged tiles (rows of several cache slots, so that an invocation's
 * rows straddle sequences), odd head dims, and 32k-key rows.
 */
import { describe, expect, it } from 'vitest';
import { expectIdentical, expectWithin } from '../../helpers/float-comparison.js';
import { planAttentionTiles } from '../../../engine/model/attention-plan.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats } from '../../helpers/seeded-arrays.js';

const runner = await KernelRunner.forEachTest();
const SEG = 256;

interface Problem {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly maxLen: number;
  readonly slots: number;
  /** (slot, position) per row. */
  readonly rows: readonly (readonly [number, number])[];
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
}

function problem(seed: string, shape: Omit<Problem, 'q' | 'k' | 'v'>, magnitude = 2): Problem {
  const random = seededRandom(seed);
  const cache = shape.slots * shape.maxLen * shape.kvHeads * shape.headDim;
  return {
    ...shape,
    q: uniformFloats(random, shape.rows.length * shape.heads * shape.headDim, -magnitude, magnitude),
    k: uniformFloats(random, cache, -magnitude, magnitude),
    v: uniformFloats(random, cache),
  };
}

function reference(p: Problem): Float64Array {
  const out = new Float64Array(p.rows.length * p.heads * p.headDim);
  const group = p.heads / p.kvHeads;
  const scale = 1 / Math.sqrt(p.headDim);
  p.rows.forEach(([slot, position], row) => {
    for (let h = 0; h < p.heads; h += 1) {
      const g = Math.floor(h / group);
      const scores = new Float64Array(position + 1);
      let max = -Infinity;
      for (let j = 0; j <= position; j += 1) {
        let dot = 0;
        const kb = ((slot * p.maxLen + j) * p.kvHeads + g) * p.headDim;
        for (let d = 0; d < p.headDim; d += 1) dot += (p.q[(row * p.heads + h) * p.headDim + d] as number) * scale * (p.k[kb + d] as number);
        scores[j] = dot;
        max = Math.max(max, dot);
      }
      let sum = 0;
      for (let j = 0; j <= position; j += 1) sum += Math.exp((scores[j] as number) - max);
      for (let d = 0; d < p.headDim; d += 1) {
        let value = 0;
        for (let j = 0; j <= position; j += 1) value += Math.exp((scores[j] as number) - max) * (p.v[((slot * p.maxLen + j) * p.kvHeads + g) * p.headDim + d] as number);
        out[(row * p.heads + h) * p.headDim + d] = value / sum;
      }
    }
  });
  return out;
}

function buffers(p: Problem): { params: GPUBuffer; q: GPUBuffer; meta: GPUBuffer; k: GPUBuffer; v: GPUBuffer; step: GPUBuffer; segments: number } {
  const segments = Math.ceil(p.maxLen / SEG);
  return {
    params: runner.uniform([{ u32: p.heads }, { u32: p.kvHeads }, { u32: p.headDim }, { u32: p.maxLen }, { f32: 1 / Math.sqrt(p.headDim) }, { u32: segments }]),
    q: runner.storage(p.q, 'q'),
    meta: runner.storage(Uint32Array.from(p.rows.flat()), 'row meta'),
    k: runner.storage(p.k, 'k'),
    v: runner.storage(p.v, 'v'),
    step: runner.step(p.rows.length),
    segments,
  };
}

async function tiled(p: Problem, plan = planAttentionTiles(p.headDim, runner.context.limits.maxComputeWorkgroupStorageSize)): Promise<Float32Array> {
  const b = buffers(p);
  const out = runner.storage(new Float32Array(p.rows.length * p.heads * p.headDim), 'out');
  await runner.dispatch({ file: 'attention_tiled.wgsl', constants: plan.constants, prelude: ['kv_read/f32.wgsl'] }, [b.params, b.q, b.meta, b.k, b.v, out, b.step], [p.heads, Math.ceil(p.rows.length / plan.rowsPerWorkgroup), 1]);
  return runner.readFloat32(out, p.rows.length * p.heads * p.headDim);
}

async function split(p: Problem): Promise<Float32Array> {
  const b = buffers(p);
  const width = 2 + p.headDim;
  const partial = runner.storage(new Float32Array(p.rows.length * p.heads * b.segments * width), 'partial');
  const out = runner.storage(new Float32Array(p.rows.length * p.heads * p.headDim), 'out');
  await runner.dispatch({ file: 'attention_split.wgsl', prelude: ['kv_read/f32.wgsl'] }, [b.params, b.q, b.meta, b.k, b.v, partial, b.step], [p.heads, p.rows.length, b.segments]);
  await runner.dispatch({ file: 'attention_merge.wgsl' }, [b.params, undefined, b.meta, undefined, undefined, out, b.step, partial], [p.heads, p.rows.length, 1]);
  return runner.readFloat32(out, p.rows.length * p.heads * p.headDim);
}

/**
 * The CPU family's kernels: attention_rows.wgsl (prefill, 4 rows × 8 keys per invocation; with
 * lane_share/subgroups.wgsl its lanes load one key or value each and share them where all the
 * subgroup's rows are in one slot) or attention_lanes.wgsl (split-K decode, a KV group's heads per
 * invocation, with the merge kernel).
 */
async function cpuFamily(p: Problem, split: boolean, laneShare: 'none' | 'subgroups' = 'none'): Promise<Float32Array> {
  const b = buffers(p);
  const out = runner.storage(new Float32Array(p.rows.length * p.heads * p.headDim), 'out');
  if (!split) {
    // One extra workgroup row of 32 rows: rows past step.rows must be left alone.
    await runner.dispatch({ file: 'attention_rows.wgsl', prelude: ['attention_cpu_io.wgsl', 'kv_read/f32.wgsl', `lane_share/${laneShare}.wgsl`] }, [b.params, b.q, b.meta, b.k, b.v, out, b.step], [p.heads, Math.ceil(p.rows.length / 32) + 1, 1]);
  } else {
    const partial = runner.storage(new Float32Array(p.rows.length * p.heads * b.segments * (2 + p.headDim)), 'partial');
    // One invocation per (row, KV group, segment), for the group's query heads.
    await runner.dispatch({ file: 'attention_lanes.wgsl', prelude: ['attention_cpu_io.wgsl', 'kv_read/f32.wgsl'], constants: { GROUP: p.heads / p.kvHeads } }, [b.params, b.q, b.meta, b.k, b.v, partial, b.step], [Math.ceil((p.rows.length * p.kvHeads * b.segments) / 8), 1, 1]);
    await runner.dispatch({ file: 'attention_merge.wgsl' }, [b.params, undefined, b.meta, undefined, undefined, out, b.step, partial], [p.heads, p.rows.length, 1]);
  }
  return runner.readFloat32(out, p.rows.length * p.heads * p.headDim);
}

async function original(p: Problem): Promise<Float32Array> {
  const b = buffers(p);
  const out = runner.storage(new Float32Array(p.rows.length * p.heads * p.headDim), 'out');
  await runner.dispatch({ file: 'attention.wgsl' }, [b.params, b.q, b.meta, b.k, b.v, out, b.step], [p.heads, p.rows.length, 1]);
  return runner.readFloat32(out, p.rows.length * p.heads * p.headDim);
}

/**
 * Bound: softmax weights sum to 1, so the output's error is relative to max|v|. The kernels' f32
 * error has three parts: the score dot products (γ_d·Σ|q·k| ≤ γ_d·d·M², M the q/k magnitude, moved
 * into every weight through exp), WGSL's exp (3 + 2|x| ulp, |x| ≤ 2 d M² / √d), and the sums over
 * n keys (γ_n). We allow twice their sum; a dropped or misplaced key (weight ≥ e^-score-range / n)
 * is far outside it in these problems because scores spread over tens of units.
 */
function bound(p: Problem, magnitude: number): number {
  const u = 2 ** -24;
  const maxKeys = Math.max(...p.rows.map(([, position]) => position + 1));
  const scoreRange = 2 * p.headDim * magnitude * magnitude / Math.sqrt(p.headDim);
  const scoreError = p.headDim * u * p.headDim * magnitude * magnitude / Math.sqrt(p.headDim);
  const expError = (3 + 2 * scoreRange) * u;
  return 2 * (2 * scoreError + expError + maxKeys * u);
}

describe('tiled prefill and split-K decode attention', () => {
  it.each([
    { headDim: 16, heads: 4, kvHeads: 2 },
    { headDim: 6, heads: 3, kvHeads: 1 },
    { headDim: 130, heads: 2, kvHeads: 2 },
  ])('ragged rows of three slots across segment boundaries: head dim $headDim, $heads heads / $kvHeads KV', async ({ headDim, heads, kvHeads }) => {
    // Prefill-like runs of one slot, then decode-like single rows of other slots, in one dispatch.
    const rows: [number, number][] = [];
    for (let position = 250; position < 262; position += 1) rows.push([1, position]);
    rows.push([0, 0], [2, 700], [0, 511], [0, 512], [2, 3], [1, 257], [0, 255], [2, 767]);
    const p = problem(`attention ${headDim}`, { heads, kvHeads, headDim, maxLen: 768, slots: 3, rows });
    const got = await tiled(p);
    const expected = reference(p);
    expectWithin(got, expected, () => bound(p, 2), 'tiled vs f64 reference');
    expectIdentical(await split(p), got, 'split-K decode = tiled prefill');
    expectIdentical(await cpuFamily(p, false), got, 'register-blocked prefill (attention_rows) = tiled prefill');
    if (runner.context.hasSubgroups) expectIdentical(await cpuFamily(p, false, 'subgroups'), got, 'attention_rows with lane sharing = tiled prefill');
    expectIdentical(await cpuFamily(p, true), got, 'per-lane split-K decode (attention_lanes) = tiled prefill');
    // Smaller tiles (as on an adapter with little workgroup memory) change nothing.
    expectIdentical(await tiled(p, { constants: { HD: headDim, KT: 4, BQ: 3 }, rowsPerWorkgroup: 3, workgroupBytes: 0 }), got, 'tiles of 3 rows × 4 keys');
  });

  it.each([
    { headDim: 16, heads: 4, kvHeads: 2 },
    { headDim: 6, heads: 3, kvHeads: 1 },
  ])('shares keys and values between lanes in a prefill of one slot: head dim $headDim, $heads heads / $kvHeads KV', async ({ headDim, heads, kvHeads }) => {
    // 300 rows of slot 1 (workgroups of 32 rows whose lanes share; ragged last blocks of 64 keys,
    // segments of 256), then 40 of slot 0 (a workgroup straddling both slots does not share).
    const rows: [number, number][] = [];
    for (let position = 0; position < 300; position += 1) rows.push([1, position]);
    for (let position = 0; position < 40; position += 1) rows.push([0, position]);
    const p = problem(`attention prefill ${headDim}`, { heads, kvHeads, headDim, maxLen: 320, slots: 2, rows });
    const got = await tiled(p);
    expectWithin(got, reference(p), () => bound(p, 2), 'tiled vs f64 reference');
    expectIdentical(await cpuFamily(p, false), got, 'attention_rows = tiled');
    expect(runner.context.hasSubgroups, 'this adapter has subgroups (lavapipe does)').toBe(true);
    expectIdentical(await cpuFamily(p, false, 'subgroups'), got, 'attention_rows with lane sharing = tiled');
  });

  it('equals attention.wgsl bit for bit below one segment', async () => {
    const rows: [number, number][] = [[0, 0], [0, 1], [1, 63], [1, 64], [0, 200], [1, 255], [0, 100], [1, 7], [0, 130]];
    const p = problem('attention short', { heads: 4, kvHeads: 2, headDim: 16, maxLen: 256, slots: 2, rows });
    const got = await tiled(p);
    expectIdentical(got, await original(p), 'tiled = attention.wgsl');
    expectIdentical(await cpuFamily(p, false), got, 'register-blocked prefill (attention_rows) = tiled');
  });

  it('attends over 32k keys: rows at the end of a 32,768-token cache match the reference, with a far needle', async () => {
    const maxLen = 32768;
    const rows: [number, number][] = [[0, 32767], [0, 32766], [0, 30000], [0, 16385], [0, 9], [0, 32767 - 300], [0, 25000], [0, 32000]];
    const p = problem('attention 32k', { heads: 2, kvHeads: 1, headDim: 16, maxLen, slots: 1, rows });
    // A needle: key 5 aligned with row 0's first query head, so that head must return ≈ v[5].
    for (let d = 0; d < 16; d += 1) p.k[5 * 16 + d] = 6 * (p.q[d] as number);
    const got = await tiled(p);
    const expected = reference(p);
    expectWithin(got, expected, () => bound(p, 2), '32k tiled vs f64 reference');
    expectIdentical(await split(p), got, '32k split-K = tiled');
    expectIdentical(await cpuFamily(p, false), got, '32k register-blocked (attention_rows) = tiled');
    expectIdentical(await cpuFamily(p, true), got, '32k per-lane split-K (attention_lanes) = tiled');
    for (let d = 0; d < 16; d += 1) expect(Math.abs((got[d] as number) - (p.v[5 * 16 + d] as number))).toBeLessThan(1e-3);
  });
});
