import { describe, expect, it } from 'vitest';
import { exactMcNemar, mcNemarOfPairs, pairedBootstrap } from '../../../reports/compare/paired-tests.js';

describe('exact McNemar test', () => {
  it('is the doubled binomial tail of the smaller discordant count, by hand', () => {
    // b = 1, c = 3: n = 4, P(X ≤ 1) = (C(4,0) + C(4,1)) / 2^4 = 5/16, two-sided 10/16.
    expect(exactMcNemar(1, 3).p).toBe(10 / 16);
    // b = 10, c = 2: n = 12, (1 + 12 + 66) / 4096 doubled = 158/4096.
    expect(exactMcNemar(10, 2).p).toBeCloseTo(158 / 4096, 15);
    // Symmetric, capped at 1 when b = c, 1 with no discordant pairs.
    expect(exactMcNemar(2, 10).p).toBe(exactMcNemar(10, 2).p);
    expect(exactMcNemar(5, 5).p).toBe(1);
    expect(exactMcNemar(0, 0).p).toBe(1);
    // b = 0, c = 20: 2 / 2^20.
    expect(exactMcNemar(0, 20).p).toBeCloseTo(2 / 2 ** 20, 20);
  });

  it('counts discordant pairs only', () => {
    expect(mcNemarOfPairs([[true, true], [false, false], [true, false], [false, true], [false, true]])).toEqual({ b: 1, c: 2, p: 1 });
  });
});

describe('paired bootstrap', () => {
  it('is reproducible from its seed and brackets the mean difference', () => {
    const differences = [0, 1, 1, 0, -1, 1, 0, 1, 0, 1, 1, 0];
    const a = pairedBootstrap(differences, { resamples: 2000, seed: 's' });
    expect(pairedBootstrap(differences, { resamples: 2000, seed: 's' })).toEqual(a);
    expect(a.difference).toBeCloseTo(5 / 12, 15);
    expect(a.low).toBeLessThan(a.difference);
    expect(a.high).toBeGreaterThan(a.difference);
    expect(a.low).toBeGreaterThanOrEqual(-1);
    expect(a.high).toBeLessThanOrEqual(1);
    expect(pairedBootstrap(differences, { resamples: 2000, seed: 'other' })).not.toEqual(a);
  });

  it('gives a zero-width interval when the runs agree on every item', () => {
    expect(pairedBootstrap([0, 0, 0, 0], { resamples: 500, seed: 'x' })).toMatchObject({ difference: 0, low: 0, high: 0, items: 4 });
    expect(Number.isNaN(pairedBootstrap([], { resamples: 500, seed: 'x' }).difference)).toBe(true);
  });
});
