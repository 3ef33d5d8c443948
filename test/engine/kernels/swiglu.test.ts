/**
 * shaders/swiglu.wgsl: gate = silu(gate) · up in place, against an f64 reference.
 */
import { describe, it } from 'vitest';
import { expectWithin, F32_UNIT_ROUNDOFF } from '../../helpers/float-comparison.js';
import { KernelRunner } from '../../helpers/kernel-runner.js';
import { seededRandom, uniformFloats } from '../../helpers/seeded-arrays.js';

const FILE = 'swiglu.wgsl';
const WORKGROUP = 64;
const EXTRA_ROWS = 2;

const runner = await KernelRunner.forEachTest();

async function checkSwiglu(rows: number, width: number, gate0: Float32Array, up: Float32Array): Promise<void> {
  const gate = runner.storage(gate0, 'gate');
  await runner.dispatch(
    { file: FILE },
    [runner.uniform([{ u32: width }]), gate, runner.storage(up, 'up'), runner.step(rows)],
    [Math.ceil(width / WORKGROUP), gate0.length / width, 1],
  );
  const got = await runner.readFloat32(gate, gate0.length);
  // Relative bound: exp(-g) is accurate to 3 + 2|g| ULP in WGSL (≤ (6 + 4|g|)u), then 1 + e^-g,
  // the division (2.5 ULP ≤ 5u) and the product with up add ≤ 7u. Absolute floor 2^-100: for
  // g < -88 e^-g overflows f32 and the kernel returns 0 where the exact value is below 1e-36 —
  // an f32 limit of the formula, irrelevant to activations, not a kernel error.
  const expected = Float64Array.from(gate0);
  const bound = new Float64Array(gate0.length);
  for (let i = 0; i < rows * width; i += 1) {
    const g = gate0[i] as number;
    expected[i] = (g / (1 + Math.exp(-g))) * (up[i] as number);
    bound[i] = (13 + 4 * Math.abs(g)) * F32_UNIT_ROUNDOFF * Math.abs(expected[i] as number) + 2 ** -100;
  }
  // Rows past step.rows keep their gate values exactly (bound 2^-100 on values of order 1).
  expectWithin(got, expected, (i) => bound[i] as number, `swiglu rows ${rows} width ${width}`);
}

describe('swiglu', () => {
  it.each([
    { rows: 1, width: 1 },
    { rows: 3, width: 5 },
    { rows: 7, width: 63 },
    { rows: 3, width: 65 },
    { rows: 2, width: 130 },
  ])('gate = silu(gate) · up for rows $rows × width $width', async ({ rows, width }) => {
    const random = seededRandom(`swiglu ${rows} ${width}`);
    const length = (rows + EXTRA_ROWS) * width;
    await checkSwiglu(rows, width, uniformFloats(random, length, -8, 8), uniformFloats(random, length, -2, 2));
  });

  it('stays finite at large |gate| (exp overflow and underflow)', async () => {
    const gate = new Float32Array([-100, -90, -20, 0, 20, 90, 100, 1e-30]);
    const up = new Float32Array([1.5, -2, 3, 4, -0.5, 0.25, 1, 2]);
    await checkSwiglu(1, gate.length, gate, up);
  });
});
