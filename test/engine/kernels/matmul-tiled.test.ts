/**
 * shaders/matmul_tiled.wgsl, shaders/matvec.wgsl + matmul_fold.wgsl (chunk sums, then their fold),
 * shaders/matvec_subgroup.wgsl (where the adapter has subgroups), shaders/matmul_blocked.wgsl in
 * each register block, shaders/matmul_blocked_shuffle.wgsl (subgroups; n a multiple of 8) and
 * the CPU family's decode block (matmul_blocked.wgsl, 1 row) at its widest and narrowest workgroup (weights in the transposed "kn" layout):
 * within the f32 dot-product bound of an f64 reference, and bit-for-bit equal to matmul_naive.wgsl
 * on the same weights — the model relies on that equality to pick a kernel by row count without
 * changing any result (batch invariance). The k values cross the K_CHUNK boundaries of the
 * summation order (shaders/matmul_io.wgsl) with whole and ragged last chunks.
 */
import { describe, it } from 'vitest';
import type { WeightFormat } from '../../../engine/gpu/kernels.js';
import { transposeBytes } from '../../../engine/gpu/gpu-tensor.js';
import { CPU_MATVEC_COLUMNS, cpuMatvecKernel, K_CHUNK, kChunks, matmulKernel, shuffleBlockKernel, subgroupMatvecItems, subgroupMatvecKernel } from '../../../engine/model/matmul-plan.js';
import { expectIdentical, expectWithin } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { matmulReference, type MatmulCase } from '../../helpers/matmul-reference.js';
import { seededRandom, uniformFloats, weightStorage } from '../../helpers/seeded-arrays.js';

const runner = await KernelRunner.forEachTest();
const formats = runner.weightFormats;
const MATVEC_MAX_ROWS = 16;

/** The kn layout of an [n][k] weight array, as engine/gpu-tensor.ts stores it. */
function transposed(data: Float32Array | Uint16Array, n: number, k: number): Float32Array | Uint16Array {
  const bytes = transposeBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), n, k, data.BYTES_PER_ELEMENT);
  return data instanceof Float32Array ? new Float32Array(bytes.buffer) : new Uint16Array(bytes.buffer);
}

type Kernel = 'matmul_naive.wgsl' | 'matmul_tiled.wgsl' | 'matvec.wgsl' | 'matmul_blocked.wgsl';

/**
 * matvec_subgroup.wgsl's runs: its smallest row variant for the rows, planned for 4-lane subgroups
 * (32 column quads a workgroup, so on wider subgroups each claims several); and the path a subgroup
 * with inactive lanes takes (SOLO), at 16 rows.
 */
const SUBGROUP_RUNS: readonly { name: string; rows: (rows: number) => number; subgroupMinSize: number; solo: boolean }[] = [
  { name: 'subgroup matvec', rows: (rows) => [1, 4, 16].find((variant) => variant >= rows) ?? 16, subgroupMinSize: 4, solo: false },
  { name: 'subgroup matvec, lanes alone', rows: () => 16, subgroupMinSize: 8, solo: true },
];

async function runSubgroupMatvec(run: (typeof SUBGROUP_RUNS)[number], format: WeightFormat, c: MatmulCase, x: Float32Array, w: Float32Array | Uint16Array, y0: Float32Array): Promise<Float32Array> {
  const params = runner.uniform([{ u32: c.n }, { u32: c.k }, { u32: c.nOffset }, { u32: c.yStride }, { u32: c.accumulate ? 1 : 0 }]);
  const y = runner.storage(y0, 'y');
  // One workgroup beyond the columns: it must write nothing.
  const groups: [number, number, number] = [Math.ceil(c.n / (4 * subgroupMatvecItems(run.subgroupMinSize))) + 1, 1, 1];
  const spec = subgroupMatvecKernel(format, run.rows(c.rows), run.subgroupMinSize, run.solo);
  await runner.dispatch(spec, [params, runner.storage(transposed(w, c.n, c.k), 'W'), runner.storage(x, 'x'), y, runner.step(c.rows)], groups);
  return runner.readFloat32(y, y0.length);
}

/** Register blocks of matmul_blocked.wgsl (shaders/matmul_blocks/), as rows × vec4s of columns. */
const BLOCKS: readonly (readonly [number, number])[] = [[1, 4], [4, 4], [8, 2]];

async function run(kernel: Kernel, format: WeightFormat, c: MatmulCase, x: Float32Array, w: Float32Array | Uint16Array, y0: Float32Array, block: readonly [number, number] = [1, 1], workgroup = 64): Promise<Float32Array> {
  const params = runner.uniform([{ u32: c.n }, { u32: c.k }, { u32: c.nOffset }, { u32: c.yStride }, { u32: c.accumulate ? 1 : 0 }]);
  const y = runner.storage(y0, 'y');
  const weights = kernel === 'matmul_naive.wgsl' ? w : transposed(w, c.n, c.k);
  const step = runner.step(c.rows);
  // One extra workgroup row/column beyond the work: the kernels must leave what lies past it alone.
  if (kernel === 'matvec.wgsl') {
    // Chunk sums over garbage: the fold must read only what matvec wrote.
    const partials = runner.storage(uniformFloats(seededRandom(`partials ${c.k}`), kChunks(c.k) * c.rows * c.n + 64, -1e6, 1e6), 'partials');
    await runner.dispatch(matmulKernel(kernel, format), [params, runner.storage(weights, 'W'), runner.storage(x, 'x'), undefined, step, partials], [Math.ceil(c.n / 256) + 1, kChunks(c.k) + 1, 1]);
    await runner.dispatch({ file: 'matmul_fold.wgsl', prelude: ['matmul_io.wgsl'] }, [params, undefined, undefined, y, step, partials], [Math.ceil(c.n / 64) + 1, c.rows + 1, 1]);
    return runner.readFloat32(y, y0.length);
  }
  const groups: [number, number, number] =
    kernel === 'matmul_naive.wgsl' ? [Math.ceil(c.n / 64), c.rows + 1, 1]
      : kernel === 'matmul_tiled.wgsl' ? [Math.ceil(c.n / 64) + 1, Math.ceil(c.rows / 64) + 1, 1]
        : [Math.ceil(c.n / (4 * block[1] * workgroup)) + 1, Math.ceil(c.rows / block[0]) + 1, 1];
  const blockSize = kernel === 'matmul_blocked.wgsl' ? [`matmul_blocks/${block[0]}x${block[1]}.wgsl`] : [];
  const spec = kernel === 'matmul_blocked.wgsl' ? { ...matmulKernel(kernel, format, blockSize), constants: { WG: workgroup } } : matmulKernel(kernel, format, blockSize);
  await runner.dispatch(spec, [params, runner.storage(weights, 'W'), runner.storage(x, 'x'), y, step], groups);
  return runner.readFloat32(y, y0.length);
}

/** The decode block's workgroup sizes (engine/model/matmul-plan.ts picks one by W's width). */
const CPU_MATVEC_WORKGROUPS: readonly number[] = [64, 8];

async function runCpuMatvec(workgroup: number, format: WeightFormat, c: MatmulCase, x: Float32Array, w: Float32Array | Uint16Array, y0: Float32Array): Promise<Float32Array> {
  const params = runner.uniform([{ u32: c.n }, { u32: c.k }, { u32: c.nOffset }, { u32: c.yStride }, { u32: c.accumulate ? 1 : 0 }]);
  const y = runner.storage(y0, 'y');
  // One workgroup column and row beyond the work: they must write nothing.
  const groups: [number, number, number] = [Math.ceil(c.n / (CPU_MATVEC_COLUMNS * workgroup)) + 1, c.rows + 1, 1];
  await runner.dispatch(cpuMatvecKernel(format, workgroup), [params, runner.storage(transposed(w, c.n, c.k), 'W'), runner.storage(x, 'x'), y, runner.step(c.rows)], groups);
  return runner.readFloat32(y, y0.length);
}

/** matmul_blocked_shuffle.wgsl (16 rows × 8 columns an invocation), with a workgroup beyond the work each way. */
async function runShuffleBlock(format: WeightFormat, c: MatmulCase, x: Float32Array, w: Float32Array | Uint16Array, y0: Float32Array, workgroup: number): Promise<Float32Array> {
  const params = runner.uniform([{ u32: c.n }, { u32: c.k }, { u32: c.nOffset }, { u32: c.yStride }, { u32: c.accumulate ? 1 : 0 }]);
  const y = runner.storage(y0, 'y');
  const groups: [number, number, number] = [Math.ceil(c.n / (8 * workgroup)) + 1, Math.ceil(c.rows / 16) + 1, 1];
  await runner.dispatch(shuffleBlockKernel(format, workgroup), [params, runner.storage(transposed(w, c.n, c.k), 'W'), runner.storage(x, 'x'), y, runner.step(c.rows)], groups);
  return runner.readFloat32(y, y0.length);
}

async function check(format: WeightFormat, c: MatmulCase, seed: string): Promise<void> {
  const random = seededRandom(seed);
  const x = uniformFloats(random, (c.rows + 1) * c.k);
  const weights = weightStorage(format, uniformFloats(random, c.n * c.k));
  const y0 = uniformFloats(random, (c.rows + 1) * c.yStride, -4, 4);
  const tiled = await run('matmul_tiled.wgsl', format, c, x, weights.data, y0);

  const { expected, bound } = matmulReference(c, x, weights.values, y0);
  // Untouched elements have bound 0: rows past step.rows and columns outside the chunk come back as they were.
  expectWithin(tiled, expected, (i) => bound[i] as number, `tiled ${format} ${JSON.stringify(c)}`);
  expectIdentical(tiled, await run('matmul_naive.wgsl', format, c, x, weights.data, y0), `tiled = naive, ${format} ${JSON.stringify(c)}`);
  if (c.rows <= MATVEC_MAX_ROWS) {
    expectIdentical(await run('matvec.wgsl', format, c, x, weights.data, y0), tiled, `matvec = tiled, ${format} ${JSON.stringify(c)}`);
    for (const subgroupRun of runner.context.hasSubgroups ? SUBGROUP_RUNS : []) {
      expectIdentical(await runSubgroupMatvec(subgroupRun, format, c, x, weights.data, y0), tiled, `${subgroupRun.name} = tiled, ${format} ${JSON.stringify(c)}`);
    }
  }
  for (const block of BLOCKS) {
    // The widest and the narrowest workgroup the plan picks (cpuWorkgroupSize).
    for (const workgroup of [64, 8]) {
      expectIdentical(await run('matmul_blocked.wgsl', format, c, x, weights.data, y0, block, workgroup), tiled, `blocked ${block.join('x')} (WG ${workgroup}) = tiled, ${format} ${JSON.stringify(c)}`);
    }
  }
  for (const workgroup of CPU_MATVEC_WORKGROUPS) {
    expectIdentical(await runCpuMatvec(workgroup, format, c, x, weights.data, y0), tiled, `cpu matvec (WG ${workgroup}) = tiled, ${format} ${JSON.stringify(c)}`);
  }
  if (runner.context.hasSubgroups && c.n % 8 === 0) {
    for (const workgroup of [64, 8]) {
      expectIdentical(await runShuffleBlock(format, c, x, weights.data, y0, workgroup), tiled, `blocked shuffle (WG ${workgroup}) = tiled, ${format} ${JSON.stringify(c)}`);
    }
  }
}

const shapes: readonly { rows: number; n: number; k: number }[] = [
  { rows: 1, n: 1, k: 1 },
  { rows: 4, n: 260, k: 2 * K_CHUNK },
  { rows: 3, n: 5, k: 63 },
  { rows: 8, n: 65, k: 300 },
  { rows: 16, n: 257, k: 129 },
  { rows: 2, n: 130, k: 17 },
  { rows: 70, n: 63, k: 33 },
  { rows: 129, n: 131, k: 40 },
  { rows: 9, n: 520, k: 24 },
  // 18 chunks: several rounds of matvec_subgroup.wgsl's lanes (8 on lavapipe), the last one partial.
  { rows: 2, n: 33, k: 1100 },
  // matmul_blocked_shuffle.wgsl (n a multiple of 8): k ragged against the 8 lanes and the chunks, a
  // last row block and a last workgroup partly past the work, a single block of columns.
  { rows: 20, n: 264, k: 129 },
  { rows: 33, n: 8, k: 7 },
  { rows: 130, n: 528, k: 200 },
  // Decode (the 1-row block): one row, W several workgroups wide, k ragged against the chunks.
  { rows: 1, n: 136, k: 1100 },
];

describe.each(formats)('tiled, matvec and register-blocked matmul with %s weights (kn layout)', (format) => {
  it.each(shapes)('overwrite: rows $rows, n $n, k $k', async ({ rows, n, k }) => {
    await check(format, { rows, n, k, nOffset: 0, yStride: n, accumulate: false }, `tiled ${format} ${rows} ${n} ${k}`);
  });

  it('accumulates into a column range of a wider y', async () => {
    await check(format, { rows: 5, n: 65, k: 33, nOffset: 63, yStride: 131, accumulate: true }, `tiled acc ${format}`);
    await check(format, { rows: 67, n: 7, k: 130, nOffset: 1, yStride: 9, accumulate: true }, `tiled acc2 ${format}`);
    await check(format, { rows: 18, n: 16, k: 130, nOffset: 3, yStride: 21, accumulate: true }, `tiled acc3 ${format}`);
  });
});
