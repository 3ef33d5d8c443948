/**
 * shaders/rmsnorm.wgsl: y = x / sqrt(mean(x²) + eps) · g per row, against an f64 reference.
 */
import { describe, expect, it } from 'vitest';
import { expectIdentical, expectWithin, F32_UNIT_ROUNDOFF, gamma } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats } from '../../helpers/seeded-arrays.js';

const FILE = 'rmsnorm.wgsl';
const EXTRA_ROWS = 2;

const runner = await KernelRunner.forEachTest();

async function checkRmsnorm(rows: number, width: number, eps: number, scale: number, seed: string): Promise<void> {
  const random = seededRandom(seed);
  const allocatedRows = rows + EXTRA_ROWS;
  const x = uniformFloats(random, allocatedRows * width, -scale, scale);
  const gain = uniformFloats(random, width, 0.5, 1.5);
  const y0 = uniformFloats(random, allocatedRows * width, -9, 9);
  const y = runner.storage(y0, 'y');
  await runner.dispatch(
    { file: FILE },
    [runner.uniform([{ u32: width }, { f32: eps }]), runner.storage(gain, 'gain'), runner.storage(x, 'x'), y, runner.step(rows)],
    [allocatedRows, 1, 1],
  );
  const got = await runner.readFloat32(y, y0.length);

  // Relative bound: the sum of squares (positive terms, any order) errs by γ_width; the division by
  // width (2.5 ULP in WGSL), + eps (½ ULP) and inverseSqrt (2 ULP) add ≤ 12u before the square root
  // halves it all, then two multiplies add 2u. (γ_width + 16u)·|y| covers this with room to spare
  // and stays f32-tight (≈ 1e-5 relative at width 130).
  const relative = gamma(width) + 16 * F32_UNIT_ROUNDOFF;
  const expected = Float64Array.from(y0);
  const bound = new Float64Array(y0.length);
  for (let r = 0; r < rows; r += 1) {
    let squares = 0;
    for (let i = 0; i < width; i += 1) squares += (x[r * width + i] as number) ** 2;
    const inverse = 1 / Math.sqrt(squares / width + Math.fround(eps));
    for (let i = 0; i < width; i += 1) {
      const index = r * width + i;
      expected[index] = (x[index] as number) * inverse * (gain[i] as number);
      bound[index] = relative * Math.abs(expected[index] as number);
    }
  }
  // Rows past step.rows: bound 0 against their initial contents (untouched).
  expectWithin(got, expected, (i) => bound[i] as number, `rmsnorm rows ${rows} width ${width} eps ${eps}`);
}

describe('rmsnorm', () => {
  it.each([
    { rows: 1, width: 1 },
    { rows: 3, width: 5 },
    { rows: 7, width: 63 },
    { rows: 3, width: 65 },
    { rows: 2, width: 130 },
    { rows: 3, width: 257 },
    { rows: 1, width: 600 },
  ])('normalises rows $rows × width $width (eps 1e-5)', async ({ rows, width }) => {
    await checkRmsnorm(rows, width, 1e-5, 1, `rmsnorm ${rows} ${width}`);
  });

  it('applies eps inside the square root (small activations, large eps)', async () => {
    // mean(x²) ≈ 3e-3 here, so eps = 0.5 changes every output by a factor of ~13: a kernel that drops
    // eps or adds it outside the root fails by far more than the bound.
    await checkRmsnorm(3, 65, 0.5, 0.1, 'rmsnorm eps');
  });

  it('maps a zero row to zeros (eps keeps the root finite)', async () => {
    const width = 5;
    const y = runner.storage(new Float32Array(width).fill(7), 'y');
    await runner.dispatch(
      { file: FILE },
      [runner.uniform([{ u32: width }, { f32: 1e-5 }]), runner.storage(new Float32Array(width).fill(1), 'gain'), runner.storage(new Float32Array(width), 'x'), y, runner.step(1)],
      [1, 1, 1],
    );
    expect([...(await runner.readFloat32(y, width))]).toEqual([0, 0, 0, 0, 0]);
  });

  it('gives each row the same bits alone as in a batch of 7 (batch invariance)', async () => {
    const random = seededRandom('rmsnorm batch');
    const [rows, width] = [7, 257];
    const x = uniformFloats(random, rows * width);
    const gain = runner.storage(uniformFloats(random, width, 0.5, 1.5), 'gain');
    const params = runner.uniform([{ u32: width }, { f32: 1e-5 }]);
    const normalise = async (xRows: Float32Array, count: number): Promise<Float32Array> => {
      const y = runner.storage(new Float32Array(count * width), 'y');
      await runner.dispatch({ file: FILE }, [params, gain, runner.storage(xRows, 'x'), y, runner.step(count)], [count, 1, 1]);
      return runner.readFloat32(y, count * width);
    };
    const batch = await normalise(x, rows);
    for (let r = 0; r < rows; r += 1) {
      expectIdentical(await normalise(x.slice(r * width, (r + 1) * width), 1), batch.subarray(r * width, (r + 1) * width), `row ${r} alone vs in the batch`);
    }
  });
});
