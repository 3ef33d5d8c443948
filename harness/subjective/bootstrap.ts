/**
 * Seeded percentile bootstrap. The generator is mulberry32 (32-bit state, one multiply-xorshift per
 * draw), small enough that a test can replay its draws by hand; a resample draws index
 * `floor(u · n)` for each of the n units of each stratum, in order. Intervals are the 2.5th and
 * 97.5th percentiles of the resampled statistic with linear interpolation between order statistics
 * (numpy's default `percentile`). Resamples where the statistic is undefined (NaN: a stratum with no
 * valid unit) are counted and left out, never filled in.
 */

export type RandomSource = () => number;

/** mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** numpy.percentile(values, 100·p) with the default linear method; values need not be sorted. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const low = Math.floor(h);
  const lowValue = sorted[low] as number;
  const highValue = sorted[Math.min(sorted.length - 1, low + 1)] as number;
  return lowValue + (h - low) * (highValue - lowValue);
}

export interface BootstrapInterval {
  readonly low: number;
  readonly high: number;
  /** Resamples drawn, and those where the statistic was undefined (left out). */
  readonly resamples: number;
  readonly undefinedResamples: number;
}

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /** Central coverage, default 0.95. */
  readonly level?: number;
}

/**
 * Percentile interval of `statistic` over resamples of `strata` (each stratum resampled with
 * replacement to its own size; pass one stratum for plain resampling).
 */
export function bootstrapInterval<T>(strata: readonly (readonly T[])[], statistic: (sample: readonly (readonly T[])[]) => number, options: BootstrapOptions): BootstrapInterval {
  const random = mulberry32(options.seed);
  const values: number[] = [];
  let undefinedResamples = 0;
  for (let b = 0; b < options.resamples; b += 1) {
    const sample = strata.map((units) => units.map(() => units[Math.min(units.length - 1, Math.floor(random() * units.length))] as T));
    const value = statistic(sample);
    if (Number.isFinite(value)) values.push(value);
    else undefinedResamples += 1;
  }
  const level = options.level ?? 0.95;
  return { low: percentile(values, (1 - level) / 2), high: percentile(values, 1 - (1 - level) / 2), resamples: options.resamples, undefinedResamples };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
