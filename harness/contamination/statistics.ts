/**
 * The statistics behind every claim in a contamination report, written out so the formulas can be
 * checked: normal tail probabilities, AUROC with a score-type Hanley–McNeil interval, the Mann–Whitney U test
 * (normal approximation, tie and continuity corrections), an exact one-sided binomial test, Wilson
 * intervals for rates, and Newcombe's interval for a difference of two proportions.
 */

/** 95% two-sided normal quantile. */
export const Z95 = 1.959963984540054;

/**
 * Complementary error function, Chebyshev fit from Numerical Recipes (erfcc): fractional error
 * below 1.2e-7 everywhere, ample for p-values.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Average ranks (1-based) of the pooled values; ties share the mean of their ranks. */
export function averageRanks(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length).fill(0);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && order[end]?.value === order[start]?.value) end += 1;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k += 1) ranks[order[k]?.index ?? 0] = rank;
    if (end - start > 1) tieGroups.push(end - start);
    start = end;
  }
  return { ranks, tieGroups };
}

export interface MannWhitneyResult {
  /** U of the first sample: the number of (x, y) pairs with x > y, ties counting one half. */
  readonly u: number;
  readonly z: number;
  /** Two-sided p-value (normal approximation with tie and continuity corrections). */
  readonly p: number;
  readonly n1: number;
  readonly n2: number;
}

/**
 * Mann–Whitney U test. U1 = R1 − n1(n1+1)/2; under H0 E[U] = n1·n2/2 and
 * Var[U] = n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1))) over tie groups of size t; z uses a 0.5
 * continuity correction toward the mean.
 */
export function mannWhitneyU(first: readonly number[], second: readonly number[]): MannWhitneyResult {
  const n1 = first.length;
  const n2 = second.length;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, z: Number.NaN, p: Number.NaN, n1, n2 };
  const n = n1 + n2;
  const { ranks, tieGroups } = averageRanks([...first, ...second]);
  let rankSum = 0;
  for (let i = 0; i < n1; i += 1) rankSum += ranks[i] ?? 0;
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const tieTerm = tieGroups.reduce((sum, t) => sum + t ** 3 - t, 0) / (n * (n - 1));
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm);
  if (variance <= 0) return { u, z: 0, p: 1, n1, n2 };
  const deviation = u - mean;
  const corrected = Math.sign(deviation) * Math.max(0, Math.abs(deviation) - 0.5);
  const z = corrected / Math.sqrt(variance);
  return { u, z, p: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))), n1, n2 };
}

export interface AurocResult {
  /** P(score of a first-sample item > score of a second-sample item), ties counting one half. */
  readonly auroc: number;
  readonly low: number;
  readonly high: number;
  readonly n1: number;
  readonly n2: number;
}

/** Hanley & McNeil (1982) variance of an AUROC estimate when the true area is `theta`. */
export function hanleyMcNeilVariance(theta: number, n1: number, n2: number): number {
  const q1 = theta / (2 - theta);
  const q2 = (2 * theta * theta) / (1 + theta);
  return Math.max(0, (theta * (1 - theta) + (n1 - 1) * (q1 - theta * theta) + (n2 - 1) * (q2 - theta * theta)) / (n1 * n2));
}

/**
 * AUROC of separating `positives` (scored higher) from `negatives`, = U1 / (n1·n2), with a 95%
 * score-type interval from the Hanley–McNeil variance: the limits are the θ where
 * (A − θ)² = z²·V_HM(θ), found by bisection (Newcombe 2006's approach). Unlike the Wald form
 * A ± z·SE(A), it does not collapse to [1, 1] when every pair is separated in a small sample.
 */
export function aurocWithInterval(positives: readonly number[], negatives: readonly number[]): AurocResult {
  const n1 = positives.length;
  const n2 = negatives.length;
  if (n1 === 0 || n2 === 0) return { auroc: Number.NaN, low: Number.NaN, high: Number.NaN, n1, n2 };
  const a = mannWhitneyU(positives, negatives).u / (n1 * n2);
  const excess = (theta: number): number => (a - theta) ** 2 - Z95 * Z95 * hanleyMcNeilVariance(theta, n1, n2);
  // excess > 0 outside the interval, ≤ 0 inside (at θ = A it is −z²V ≤ 0).
  const boundary = (outside: number): number => {
    if (excess(outside) <= 0) return outside;
    let out = outside;
    let inside = a;
    for (let step = 0; step < 60; step += 1) {
      const middle = (out + inside) / 2;
      if (excess(middle) > 0) out = middle;
      else inside = middle;
    }
    return (out + inside) / 2;
  };
  return { auroc: a, low: boundary(0), high: boundary(1), n1, n2 };
}

/**
 * Exact one-sided binomial test: P(X ≥ successes) for X ~ Binomial(trials, p). The first term is
 * built in log space as Σ log((n−k+i)/i) + k·log p + (n−k)·log(1−p); later terms by the ratio
 * pmf(k+1)/pmf(k) = (n−k)/(k+1) · p/(1−p).
 */
export function binomialTailAtLeast(successes: number, trials: number, p: number): number {
  if (successes <= 0) return 1;
  if (successes > trials) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let logTerm = successes * Math.log(p) + (trials - successes) * Math.log1p(-p);
  for (let i = 1; i <= successes; i += 1) logTerm += Math.log((trials - successes + i) / i);
  let term = Math.exp(logTerm);
  let total = term;
  for (let k = successes; k < trials; k += 1) {
    term *= ((trials - k) / (k + 1)) * (p / (1 - p));
    total += term;
  }
  return Math.min(1, total);
}

export interface Proportion {
  readonly successes: number;
  readonly trials: number;
  /** successes / trials (NaN when there are no trials). */
  readonly rate: number;
  /** 95% Wilson score interval. */
  readonly low: number;
  readonly high: number;
}

/** A rate with its 95% Wilson score interval (sensible at small n and near 0 or 1). */
export function wilsonInterval(successes: number, trials: number, z = Z95): Proportion {
  if (trials === 0) return { successes, trials, rate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { successes, trials, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface ProportionDifference {
  /** first.rate − second.rate */
  readonly difference: number;
  /** 95% Newcombe (1998, method 10) hybrid score interval, from the two Wilson intervals. */
  readonly low: number;
  readonly high: number;
  /** Two-sided p-value of the pooled two-proportion z-test. */
  readonly p: number;
}

/**
 * Difference of two independent proportions, d = p1 − p2, with Newcombe's interval
 * [d − √((p1−l1)² + (u2−p2)²), d + √((u1−p1)² + (p2−l2)²)], where (l, u) are the Wilson bounds.
 */
export function proportionDifference(first: Proportion, second: Proportion): ProportionDifference {
  if (first.trials === 0 || second.trials === 0) return { difference: Number.NaN, low: Number.NaN, high: Number.NaN, p: Number.NaN };
  const d = first.rate - second.rate;
  const low = d - Math.sqrt((first.rate - first.low) ** 2 + (second.high - second.rate) ** 2);
  const high = d + Math.sqrt((first.high - first.rate) ** 2 + (second.rate - second.low) ** 2);
  const pooled = (first.successes + second.successes) / (first.trials + second.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / first.trials + 1 / second.trials));
  const p = se === 0 ? 1 : 2 * (1 - normalCdf(Math.abs(d) / se));
  return { difference: d, low, high, p };
}
