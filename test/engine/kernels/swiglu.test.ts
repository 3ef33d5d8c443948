/**
 * shaders/swiglu.wgsl: gated = silu(gate) · up, gate and up read from the halves of each row of the
 * stacked w1/w3 matmul's output, against an f64 reference.
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
  // Row r of gate_up: gate0's row r, then up's row r.
  const allocatedRows = gate0.length / width;
  const gateUp = new Float32Array(2 * gate0.length);
  for (let r = 0; r < allocatedRows; r += 1) {
    gateUp.set(gate0.subarray(r * width, (r + 1) * width), 2 * r * width);
    gateUp.set(up.subarray(r * width, (r + 1) * width), (2 * r + 1) * width);
  }
  // The output starts as a copy of gate0, so rows past step.rows must come back as gate0.
  const gated = runner.storage(gate0, 'gated');
  await runner.dispatch(
    { file: FILE },
    [runner.uniform([{ u32: width }]), runner.storage(gateUp, 'gate_up'), gated, runner.step(rows)],
    [Math.ceil(width / WORKGROUP), allocatedRows, 1],
  );
  const got = await runner.readFloat32(gated, gate0.length);
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
  ])('gated = silu(gate) · up for rows $rows × width $width', async ({ rows, width }) => {
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
