/**
 * The f64 reference of the matmul kernels, y[m, n_offset + n] (+)= Σ_k x[m, k] · W[n, k], with the
 * error bound each output may show in f32: k correctly rounded products and sums (plus one add into
 * y when accumulating) err by at most γ_k · Σ|x·w| (+ γ_{k+1}·|y0|) — the standard dot-product
 * bound, f32-tight: a single wrong or missing term is orders of magnitude larger. Elements the
 * kernel must not write (rows past the case's rows, columns outside the chunk) keep their initial
 * value with bound 0, so they must come back bit for bit untouched.
 */
import { gamma } from './float-comparison.js';

export interface MatmulCase {
  readonly rows: number;
  /** Rows of this W chunk (output columns written). */
  readonly n: number;
  readonly k: number;
  readonly nOffset: number;
  readonly yStride: number;
  readonly accumulate: boolean;
}

/** `w` holds W's values row-major ([n][k]); `y0` is y before the kernel runs. */
export function matmulReference(c: MatmulCase, x: Float32Array, w: Float32Array, y0: Float32Array): { expected: Float64Array; bound: Float64Array } {
  const expected = Float64Array.from(y0);
  const bound = new Float64Array(y0.length);
  for (let m = 0; m < c.rows; m += 1) {
    for (let j = 0; j < c.n; j += 1) {
      let sum = 0;
      let magnitude = 0;
      for (let kk = 0; kk < c.k; kk += 1) {
        const product = (x[m * c.k + kk] as number) * (w[j * c.k + kk] as number);
        sum += product;
        magnitude += Math.abs(product);
      }
      const index = m * c.yStride + c.nOffset + j;
      const start = c.accumulate ? (y0[index] as number) : 0;
      expected[index] = start + sum;
      bound[index] = gamma(c.accumulate ? c.k + 1 : c.k) * (magnitude + Math.abs(start));
    }
  }
  return { expected, bound };
}
