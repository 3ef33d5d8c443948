/**
 * shaders/gather_rows.wgsl: out[i, :] = x[index[i], :], an exact copy.
 */
import { describe, it } from 'vitest';
import { expectIdentical } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats, uniformIntegers } from '../../helpers/seeded-arrays.js';

const FILE = 'gather_rows.wgsl';
const WORKGROUP = 64;
const EXTRA_ROWS = 2;

const runner = await KernelRunner.forEachTest();

describe('gather_rows', () => {
  it.each([
    { picks: 1, sourceRows: 1, width: 1 },
    { picks: 3, sourceRows: 7, width: 5 },
    { picks: 7, sourceRows: 3, width: 63 },
    { picks: 3, sourceRows: 9, width: 65 },
    { picks: 5, sourceRows: 11, width: 130 },
  ])('copies $picks picked rows of $sourceRows × $width', async ({ picks, sourceRows, width }) => {
    const random = seededRandom(`gather ${picks} ${sourceRows} ${width}`);
    const x = uniformFloats(random, sourceRows * width);
    // Random picks with repeats, and always the last source row (the end of the buffer).
    const index = uniformIntegers(random, picks + EXTRA_ROWS, sourceRows);
    index[picks - 1] = sourceRows - 1;
    const out0 = uniformFloats(random, (picks + EXTRA_ROWS) * width, 10, 20);
    const out = runner.storage(out0, 'out');
    await runner.dispatch(
      { file: FILE },
      [runner.uniform([{ u32: width }]), runner.storage(index, 'index'), runner.storage(x, 'x'), out, runner.step(picks)],
      [Math.ceil(width / WORKGROUP), picks + EXTRA_ROWS, 1],
    );
    const expected = Float32Array.from(out0);
    for (let i = 0; i < picks; i += 1) {
      const source = index[i] as number;
      expected.set(x.subarray(source * width, (source + 1) * width), i * width);
    }
    // Rows past step.rows keep their initial values (10..20, never a value of x).
    expectIdentical(await runner.readFloat32(out, out0.length), expected, `gather ${picks} of ${sourceRows} × ${width}`);
  });
});
