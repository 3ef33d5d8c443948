import { describe, expect, it } from 'vitest';
import {
  likelihoodScores, meanNegativeLogLikelihood, minKPercentLogprob, zlibCompressedBytes,
} from '../../../harness/contamination/likelihood-probes.js';

describe('likelihood probe formulas', () => {
  const logprobs = [-3, -0.5, -10, -1, -8, -2, -0.1, -4, -9, -0.2];

  it('mean NLL is minus the mean token log-prob', () => {
    expect(meanNegativeLogLikelihood([-1, -2, -3])).toBe(2);
  });

  it('Min-K% averages exactly the lowest k% log-probs, at least one', () => {
    expect(minKPercentLogprob(logprobs, 20)).toBe(-9.5); // lowest two of ten: −10, −9
    expect(minKPercentLogprob(logprobs, 30)).toBe(-9); // −10, −9, −8
    expect(minKPercentLogprob(logprobs, 25)).toBe(-9.5); // ⌊2.5⌋ = 2
    expect(minKPercentLogprob(logprobs, 5)).toBe(-10); // ⌊0.5⌋ → at least one
    expect(minKPercentLogprob(logprobs, 100)).toBeCloseTo(-37.8 / 10, 12);
  });

  it('zlib ratio divides the mean NLL by the zlib byte length of the UTF-8 text', () => {
    // Python: len(zlib.compress(b'')) == 8, len(zlib.compress(b'a' * 1000)) == 17,
    // len(zlib.compress('你好，世界'.encode())) == 24 (15 UTF-8 bytes, not 5 characters).
    expect(zlibCompressedBytes('')).toBe(8);
    expect(zlibCompressedBytes('a'.repeat(1000))).toBe(17);
    expect(zlibCompressedBytes('你好，世界')).toBe(24);
    const scores = likelihoodScores([-1, -2, -3], '你好，世界', 20);
    expect(scores).toMatchObject({ tokens: 3, meanNll: 2, minK: -3, zlibBytes: 24 });
    expect(scores.zlibRatio).toBeCloseTo(2 / 24, 15);
  });
});
