/**
 * Significance on the same questions. Two runs answered the same items, so their scores are paired:
 * - accuracy (right/wrong): the exact McNemar test — only the discordant pairs carry information (b:
 *   right in A, wrong in B; c: the reverse); under "no difference" each is equally likely, so the
 *   two-sided p is the exact binomial tail of min(b, c) in b + c fair coin flips, doubled, capped at 1
 *   (McNemar 1947; the exact form is what statsmodels' mcnemar(exact=True) computes);
 * - means of graded scores (needle recall fractions): a paired bootstrap — resample items with
 *   replacement, keep each item's pair together, take the percentiles of the mean difference. Seeded,
 *   so a report is reproducible.
 */
import seedrandom from 'seedrandom';

export const MCNEMAR_TEST = 'exact McNemar test (two-sided binomial on discordant pairs)';
export const BOOTSTRAP_METHOD = 'paired bootstrap, percentile interval';

export interface McNemarResult {
  /** Items right in A and wrong in B. */
  readonly b: number;
  /** Items wrong in A and right in B. */
  readonly c: number;
  /** Two-sided exact p-value; 1 when there are no discordant pairs. */
  readonly p: number;
}

/** log C(n, k) by summing logs: exact enough for p-values at any n a benchmark has. */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i += 1) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

export function exactMcNemar(b: number, c: number): McNemarResult {
  const n = b + c;
  if (n === 0) return { b, c, p: 1 };
  const low = Math.min(b, c);
  let tail = 0;
  for (let k = 0; k <= low; k += 1) tail += Math.exp(logChoose(n, k) - n * Math.LN2);
  return { b, c, p: Math.min(1, 2 * tail) };
}

/** McNemar on paired outcomes (true = right), items matched by the caller. */
export function mcNemarOfPairs(pairs: readonly (readonly [boolean, boolean])[]): McNemarResult {
  let b = 0;
  let c = 0;
  for (const [a, other] of pairs) {
    if (a && !other) b += 1;
    else if (!a && other) c += 1;
  }
  return exactMcNemar(b, c);
}

export interface BootstrapInterval {
  /** Mean of (B − A) over the items. */
  readonly difference: number;
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
  readonly resamples: number;
  readonly seed: string;
  readonly items: number;
}

/**
 * Percentile interval of mean(b − a) over `resamples` resamples of the paired items. `differences`
 * holds b − a per item; NaN when empty.
 */
export function pairedBootstrap(differences: readonly number[], options: { readonly resamples: number; readonly seed: string; readonly confidence?: number }): BootstrapInterval {
  const confidence = options.confidence ?? 0.95;
  const n = differences.length;
  const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
  if (n === 0) return { difference: Number.NaN, low: Number.NaN, high: Number.NaN, confidence, resamples: options.resamples, seed: options.seed, items: 0 };
  const random = seedrandom(options.seed);
  const means = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r += 1) {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += differences[Math.floor(random() * n)] ?? 0;
    means[r] = sum / n;
  }
  means.sort();
  const at = (q: number): number => means[Math.min(options.resamples - 1, Math.max(0, Math.floor(q * options.resamples)))] ?? Number.NaN;
  const tail = (1 - confidence) / 2;
  return { difference: mean(differences), low: at(tail), high: at(1 - tail), confidence, resamples: options.resamples, seed: options.seed, items: n };
}
