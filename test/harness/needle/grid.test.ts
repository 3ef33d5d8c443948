import { describe, expect, it } from 'vitest';
import { UserError } from '../../../engine/errors.js';
import { cellKey, formatTokenCount, gridCells, parseDepths, parseLengths, parseTokenCount } from '../../../harness/needle/grid.js';

describe('needle grid', () => {
  it('parses token counts with k and m suffixes', () => {
    expect(parseTokenCount('32k')).toBe(32768);
    expect(parseTokenCount('1.5k')).toBe(1536);
    expect(parseTokenCount('3000')).toBe(3000);
    expect(() => parseTokenCount('ten')).toThrow(UserError);
    expect(formatTokenCount(32768)).toBe('32k');
    expect(formatTokenCount(1536)).toBe('1.5k');
    expect(formatTokenCount(1000)).toBe('1000');
  });

  it('doubles a length range by default and ends at its upper bound', () => {
    expect(parseLengths('1k..32k')).toEqual([1024, 2048, 4096, 8192, 16384, 32768]);
    expect(parseLengths('1k..24k')).toEqual([1024, 2048, 4096, 8192, 16384, 24576]);
    expect(parseLengths('6k,1k,2k,2k')).toEqual([1024, 2048, 6144]);
  });

  it('spaces --steps linearly or logarithmically', () => {
    expect(parseLengths('1000..5000', 5, 'linear')).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(parseLengths('1k..16k', 5, 'log')).toEqual([1024, 2048, 4096, 8192, 16384]);
    expect(() => parseLengths('1k..16k', 5, 'doubling')).toThrow(UserError);
    expect(() => parseLengths('16k..1k')).toThrow(UserError);
  });

  it('spaces depths like NeedleBench: linear 0..100 in 11 steps, or through its logistic', () => {
    expect(parseDepths('0..100', 11)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    const sigmoid = parseDepths('0..100', 11, 'sigmoid');
    // NeedleBench: logistic(x) = round(100 / (1 + exp(-0.1 (x - 50))), 3)
    expect(sigmoid[0]).toBe(0.669);
    expect(sigmoid[5]).toBe(50);
    expect(sigmoid[10]).toBe(99.331);
    expect(parseDepths('0,50,100')).toEqual([0, 50, 100]);
    expect(() => parseDepths('0..120')).toThrow(UserError);
  });

  it('lists every cell with a stable key', () => {
    const cells = gridCells({ lengths: [1024, 2048], depths: [0, 100], repeats: 2 });
    expect(cells).toHaveLength(8);
    expect(cells.map(cellKey)).toContain('2048:100:1');
  });
});
