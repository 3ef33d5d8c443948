import { describe, expect, it } from 'vitest';
import { maxAbsDifference, promptIds, spread } from '../../../bench/peers/timing.js';
import { ratio, summaryTable, type BackendRun } from '../../../bench/peers/report.js';

describe('promptIds', () => {
  it('is deterministic, stays in [3, vocab) and starts differently for different salts', () => {
    const a = promptIds(512, 8192, 1001);
    expect(promptIds(512, 8192, 1001)).toEqual(a);
    expect(a.every((id) => id >= 3 && id < 8192)).toBe(true);
    const firsts = new Set(Array.from({ length: 300 }, (_, salt) => promptIds(4, 8192, 1000 + salt)[0]));
    expect(firsts.size).toBe(300);
    // Not a constant or a short cycle.
    expect(new Set(a).size).toBeGreaterThan(400);
  });
});

describe('spread and ratios', () => {
  it('min / median / max, even counts averaging the middle two', () => {
    expect(spread([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4 });
    expect(() => spread([])).toThrow();
  });

  it('max |Δ| refuses non-finite values and unequal lengths', () => {
    expect(maxAbsDifference([-1, -2.5], [-1.25, -2])).toBe(0.5);
    expect(() => maxAbsDifference([-1, -Infinity], [-1, -2])).toThrow(/non-finite/);
    expect(() => maxAbsDifference([1], [1, 2])).toThrow(/1 values against 2/);
  });

  it('gnomon ÷ peer of median tokens/s, and the summary row per kind', () => {
    const run: BackendRun = {
      backend: 'cpu', dtype: 'f32',
      points: [
        { point: { kind: 'prefill', tokens: 100 }, gnomon: { seconds: [1, 2, 4] }, peer: { seconds: [0.5, 0.5, 1] } },
        { point: { kind: 'load' }, gnomon: { seconds: [3, 3, 3] }, peer: { seconds: [1, 1, 1] } },
      ],
    };
    // gnomon median 50 tok/s, peer median 200 tok/s.
    expect(ratio(run.points[0]!)).toBeCloseTo(0.25, 12);
    const table = summaryTable([run, { backend: 'vulkan', dtype: 'f32', skipped: 'not offered: no device', points: [] }], 'mid');
    expect(table).toContain('| prefill 100, mid, f32');
    expect(table).toContain('0.25×');
    expect(table).toContain('3.00 s vs 1.00 s');
    expect(table).toContain('not timed');
  });
});
