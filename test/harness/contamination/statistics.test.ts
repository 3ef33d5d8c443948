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

  it('AUROC counts ties as one half and has the Hanley–McNeil interval', () => {
    const result = aurocWithInterval([3, 4, 5], [1, 2, 3]);
    const a = 8.5 / 9;
    expect(result.auroc).toBeCloseTo(a, 12);
    const q1 = a / (2 - a);
    const q2 = (2 * a * a) / (1 + a);
    const se = Math.sqrt((a * (1 - a) + 2 * (q1 - a * a) + 2 * (q2 - a * a)) / 9);
    expect(result.low).toBeCloseTo(a - 1.959963984540054 * se, 12);
    expect(result.high).toBe(1); // clipped
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
