import { describe, expect, it } from 'vitest';
import {
  aurocWithInterval, binomialTailAtLeast, mannWhitneyU, normalCdf, proportionDifference, wilsonInterval,
} from '../../../harness/contamination/statistics.js';

describe('contamination statistics', () => {
  it('normal CDF matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-2.326347874)).toBeCloseTo(0.01, 6);
  });

  it('Mann–Whitney U with ties matches scipy (asymptotic, continuity correction)', () => {
    // scipy.stats.mannwhitneyu([1,2,3,4,5], [3,4,5,6,7,8], method='asymptotic') → U = 4.5, p = 0.066015431521231
    const result = mannWhitneyU([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]);
    expect(result.u).toBe(4.5);
    expect(result.p).toBeCloseTo(0.066015431521231, 6);
  });

  it('AUROC counts ties as one half; its interval solves the Hanley–McNeil score equation', () => {
    const result = aurocWithInterval([3, 4, 5], [1, 2, 3]);
    const a = 8.5 / 9;
    expect(result.auroc).toBeCloseTo(a, 12);
    const variance = (t: number): number => (t * (1 - t) + 2 * (t / (2 - t) - t * t) + 2 * ((2 * t * t) / (1 + t) - t * t)) / 9;
    for (const limit of [result.low, result.high]) {
      if (limit === 1) continue;
      expect((a - limit) ** 2).toBeCloseTo(1.959963984540054 ** 2 * variance(limit), 9);
    }
    expect(result.low).toBeLessThan(a);
    expect(result.high).toBeGreaterThan(a);
    // Complete separation of 3 vs 3 must not give the degenerate [1, 1] of the Wald form.
    const separated = aurocWithInterval([4, 5, 6], [1, 2, 3]);
    expect(separated.auroc).toBe(1);
    expect(separated.high).toBe(1);
    expect(separated.low).toBeLessThan(0.8);
    expect(aurocWithInterval([1, 1], [1, 1]).auroc).toBe(0.5);
  });

  it('exact one-sided binomial test', () => {
    // P(X ≥ 3), X ~ Bin(10, 0.1) = 1 − (0.3486784401 + 0.387420489 + 0.1937102445)
    expect(binomialTailAtLeast(3, 10, 0.1)).toBeCloseTo(0.0701908264, 9);
    expect(binomialTailAtLeast(0, 10, 0.1)).toBe(1);
    expect(binomialTailAtLeast(10, 10, 0.5)).toBeCloseTo(1 / 1024, 12);
  });

  it('Wilson interval and Newcombe difference reproduce the published example', () => {
    const w = wilsonInterval(8, 10);
    expect(w.low).toBeCloseTo(0.4902, 4);
    expect(w.high).toBeCloseTo(0.9433, 4);
    // Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
    const d = proportionDifference(wilsonInterval(56, 70), wilsonInterval(48, 80));
    expect(d.difference).toBeCloseTo(0.2, 12);
    expect(d.low).toBeCloseTo(0.0524, 4);
    expect(d.high).toBeCloseTo(0.3339, 4);
  });
});
