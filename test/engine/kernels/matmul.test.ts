/**
 * shaders/matmul_naive.wgsl: y[m, n_offset + n] (+)= Σ_k x[m, k] · W[n, k] for f32, f16 and bf16
 * weights, against an f64 reference computed on the exact weight values the kernel reads.
 */
import { describe, it } from 'vitest';
import type { WeightFormat } from '../../../engine/gpu/kernels.js';
import { matmulKernel } from '../../../engine/model/matmul-plan.js';
import { expectIdentical, expectWithin } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { matmulReference, type MatmulCase } from '../../helpers/matmul-reference.js';
import { seededRandom, toBfloat16, toFloat16, uniformFloats, weightStorage } from '../../helpers/seeded-arrays.js';

const FILE = 'matmul_naive.wgsl';
const WORKGROUP = 64;
// Rows the dispatch covers beyond step.rows: the kernel must leave them alone.
const EXTRA_ROWS = 2;

const runner = await KernelRunner.forEachTest();
const formats = runner.weightFormats;

async function checkMatmul(format: WeightFormat, c: MatmulCase, seed: string): Promise<void> {
  const random = seededRandom(seed);
  const allocatedRows = c.rows + EXTRA_ROWS;
  const x = uniformFloats(random, allocatedRows * c.k);
  const weights = weightStorage(format, uniformFloats(random, c.n * c.k));
  const y0 = uniformFloats(random, allocatedRows * c.yStride, -4, 4);
  const params = runner.uniform([{ u32: c.n }, { u32: c.k }, { u32: c.nOffset }, { u32: c.yStride }, { u32: c.accumulate ? 1 : 0 }]);
  const y = runner.storage(y0, 'y');
  await runner.dispatch(
    matmulKernel(FILE, format),
    [params, runner.storage(weights.data, 'W'), runner.storage(x, 'x'), y, runner.step(c.rows)],
    [Math.ceil(c.n / WORKGROUP), allocatedRows, 1],
  );
  const got = await runner.readFloat32(y, y0.length);

  // f64 reference and the f32 dot-product bound (see the helper).
  const { expected, bound } = matmulReference(c, x, weights.values, y0);
  // Elements the kernel must not write (rows past step.rows, columns outside the chunk) have bound 0
  // and expected = their initial value, so they must come back bit-for-bit untouched.
  expectWithin(got, expected, (i) => bound[i] as number, `${format} ${JSON.stringify(c)}`);
}

const shapes: readonly { rows: number; n: number; k: number }[] = [
  { rows: 1, n: 1, k: 1 },
  { rows: 3, n: 5, k: 63 },
  { rows: 7, n: 65, k: 130 },
  { rows: 2, n: 130, k: 65 },
  { rows: 3, n: 63, k: 5 },
  { rows: 1, n: 257, k: 64 },
];

describe.each(formats)('matmul with %s weights', (format) => {
  it.each(shapes)('overwrites y: rows $rows, n $n, k $k', async ({ rows, n, k }) => {
    await checkMatmul(format, { rows, n, k, nOffset: 0, yStride: n, accumulate: false }, `matmul ${format} ${rows} ${n} ${k}`);
  });

  it.each(shapes.slice(1, 4))('accumulates into y (residual): rows $rows, n $n, k $k', async ({ rows, n, k }) => {
    await checkMatmul(format, { rows, n, k, nOffset: 0, yStride: n, accumulate: true }, `matmul acc ${format} ${rows} ${n} ${k}`);
  });

  it('writes one row chunk of W into its columns of a wider y, leaving the others untouched', async () => {
    await checkMatmul(format, { rows: 3, n: 65, k: 33, nOffset: 63, yStride: 131, accumulate: false }, `matmul chunk ${format}`);
    await checkMatmul(format, { rows: 5, n: 7, k: 130, nOffset: 1, yStride: 9, accumulate: true }, `matmul chunk acc ${format}`);
  });

  it('two row chunks of W dispatched separately give the full product', async () => {
    // How engine/weights.ts splits a matrix larger than the binding limit: separate buffers per
    // row range, each dispatched with its first row as n_offset.
    const random = seededRandom(`matmul split ${format}`);
    const rows = 3;
    const k = 65;
    const split = [0, 63, 130];
    const width = 130;
    const x = uniformFloats(random, rows * k);
    const full = weightStorage(format, uniformFloats(random, width * k));
    const y = runner.storage(new Float32Array(rows * width), 'y');
    const xBuffer = runner.storage(x, 'x');
    const step = runner.step(rows);
    for (let c = 0; c + 1 < split.length; c += 1) {
      const start = split[c] as number;
      const count = (split[c + 1] as number) - start;
      const chunk = weightStorage(format, full.values.slice(start * k, (start + count) * k));
      const params = runner.uniform([{ u32: count }, { u32: k }, { u32: start }, { u32: width }, { u32: 0 }]);
      await runner.dispatch(matmulKernel(FILE, format), [params, runner.storage(chunk.data, 'W chunk'), xBuffer, y, step], [Math.ceil(count / WORKGROUP), rows, 1]);
    }
    const got = await runner.readFloat32(y, rows * width);
    const { expected, bound } = matmulReference({ rows, n: width, k, nOffset: 0, yStride: width, accumulate: false }, x, full.values, new Float32Array(rows * width));
    expectWithin(got, expected, (i) => bound[i] as number, `${format} split W`);
  });

  it('gives each row the same bits alone as in a batch of 7 (batch invariance)', async () => {
    const random = seededRandom(`matmul batch ${format}`);
    const [rows, n, k] = [7, 65, 130];
    const x = uniformFloats(random, rows * k);
    const w = runner.storage(weightStorage(format, uniformFloats(random, n * k)).data, 'W');
    const params = runner.uniform([{ u32: n }, { u32: k }, { u32: 0 }, { u32: n }, { u32: 0 }]);
    const product = async (xRows: Float32Array, count: number): Promise<Float32Array> => {
      const y = runner.storage(new Float32Array(count * n), 'y');
      await runner.dispatch(matmulKernel(FILE, format), [params, w, runner.storage(xRows, 'x'), y, runner.step(count)], [Math.ceil(n / WORKGROUP), count, 1]);
      return runner.readFloat32(y, count * n);
    };
    const batch = await product(x, rows);
    for (let r = 0; r < rows; r += 1) {
      expectIdentical(await product(x.slice(r * k, (r + 1) * k), 1), batch.subarray(r * n, (r + 1) * n), `${format} row ${r} alone vs in the batch`);
    }
  });
});

describe('matmul weight storage', () => {
  it.skipIf(!runner.context.hasShaderF16)('reads f16 weights exactly, including subnormals and the largest finite value', async () => {
    const w = new Float32Array([2 ** -24, -(2 ** -20), 6.0975552e-5, 65504, -0.333251953125, 1]);
    const stored = toFloat16(w);
    expectIdentical(stored.values, w, 'test values are exactly representable in f16');
    const params = runner.uniform([{ u32: w.length }, { u32: 1 }, { u32: 0 }, { u32: w.length }, { u32: 0 }]);
    const y = runner.storage(new Float32Array(w.length), 'y');
    await runner.dispatch(matmulKernel(FILE, 'f16'), [params, runner.storage(stored.bits, 'W'), runner.storage(new Float32Array([1]), 'x'), y, runner.step(1)], [1, 1, 1]);
    expectIdentical(await runner.readFloat32(y, w.length), w, 'f16 widened through x = 1');
  });

  it('reads bf16 weights exactly, including values outside f16 range', async () => {
    // bf16 keeps f32's exponent: 1e-30 and 1e30 survive, where a bf16 → f16 conversion would lose them.
    const w = new Float32Array([1e-30, -3e30, 0.15625, -2.5, 7, 1e-20, 65504 * 4]);
    const stored = toBfloat16(w);
    const params = runner.uniform([{ u32: w.length }, { u32: 1 }, { u32: 0 }, { u32: w.length }, { u32: 0 }]);
    const y = runner.storage(new Float32Array(w.length), 'y');
    await runner.dispatch(matmulKernel(FILE, 'bf16'), [params, runner.storage(stored.bits, 'W'), runner.storage(new Float32Array([1]), 'x'), y, runner.step(1)], [1, 1, 1]);
    expectIdentical(await runner.readFloat32(y, w.length), stored.values, 'bf16 unpacked through x = 1');
  });
});
