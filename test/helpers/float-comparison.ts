/**
 * Element-wise comparison of kernel output with an f64 reference under a per-element error bound,
 * failing with the offending elements (index, expected, got, bound) rather than one boolean.
 */
import { expect } from 'vitest';

/** Unit roundoff of f32 (round to nearest): each correctly rounded operation errs by at most u·|result|. */
export const F32_UNIT_ROUNDOFF = 2 ** -24;

/** γ_n = n·u / (1 − n·u): bound on the relative error of n chained f32 roundings (Higham, ch. 3). */
export function gamma(n: number): number {
  const nu = n * F32_UNIT_ROUNDOFF;
  return nu / (1 - nu);
}

export function expectWithin(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  bound: (index: number) => number,
  what: string,
): void {
  expect(got.length, `${what}: length`).toBe(expected.length);
  const failures: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i += 1) {
    const g = got[i] as number;
    const e = expected[i] as number;
    const b = bound(i);
    const diff = Math.abs(g - e);
    if (!(diff <= b)) {
      count += 1;
      if (failures.length < 8) failures.push(`[${i}] expected ${e}, got ${g} (|diff| ${diff.toExponential(3)} > bound ${b.toExponential(3)})`);
    }
  }
  expect(failures, `${what}: ${count} of ${expected.length} elements outside the bound`).toEqual([]);
}

/** Exact equality as numbers (copies and untouched regions), reporting the first differing elements. */
export function expectIdentical(got: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expectWithin(got, expected, () => 0, what);
}
