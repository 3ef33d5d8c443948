/**
 * Statistics on inputs small enough to check by hand. Bootstrap draws come from mulberry32, whose
 * outputs for seed 0 (0.26643, 0.00033, 0.22327, 0.14620, 0.46733, 0.54505, 0.61525, 0.64899,
 * 0.45601, 0.58122) were computed independently (a Python transcription of the generator), so the
 * expected resamples below are written out, not recomputed with the code under test.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapInterval, mulberry32, percentile } from '../../../harness/subjective/bootstrap.js';
import { fitBradleyTerry } from '../../../harness/subjective/bradley-terry.js';
import { bradleyTerrySummary, combineOrders, diagnostics, pairwiseSummary, scoreSummary } from '../../../harness/subjective/statistics.js';
import { pairRecord, scoreRecord } from './records-fixture.js';

describe('bootstrap', () => {
  it('draws mulberry32 and takes numpy-style percentiles', () => {
    const random = mulberry32(0);
    expect([random(), random(), random()]).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    expect(percentile([4, 1, 3, 2], 0.025)).toBeCloseTo(1.075, 12);
    expect(percentile([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
    expect(percentile([5], 0.5)).toBe(5);
  });

  it('resamples units in order: units [[8,6],[4]], 5 resamples, seed 0 → means 7,7,6,4,6 → [4.2, 7]', () => {
    // Draws u = .266,.0003 | .223,.146 | .467,.545 | .615,.649 | .456,.581 → unit floor(2u): 0,0 | 0,0 | 0,1 | 1,1 | 0,1.
    const interval = bootstrapInterval([[[8, 6], [4]]], (sample) => { const flat = (sample[0] ?? []).flat(); return flat.reduce((a, b) => a + b, 0) / flat.length; }, { resamples: 5, seed: 0 });
    expect(interval.low).toBeCloseTo(4.2, 12);
    expect(interval.high).toBe(7);
    expect(interval.undefinedResamples).toBe(0);
  });

  it('gives a zero-width interval for identical units and counts undefined resamples', () => {
    expect(bootstrapInterval([[3, 3, 3]], (s) => (s[0] ?? []).reduce((a, b) => a + b, 0) / 3, { resamples: 50, seed: 9 })).toEqual({ low: 3, high: 3, resamples: 50, undefinedResamples: 0 });
    const undefinedOnes = bootstrapInterval([[0, 1]], (s) => ((s[0] ?? []).includes(1) ? 1 : Number.NaN), { resamples: 5, seed: 0 });
    // Units drawn: 0,0 | 0,0 | 0,1 | 1,1 | 0,1: two resamples hold no 1.
    expect(undefinedOnes.undefinedResamples).toBe(2);
  });
});

describe('score mode', () => {
  it('means per category and turn, parse failures and skips counted apart', () => {
    const records = [
      scoreRecord('m', '81', 'writing', 1, { score: 8 }), scoreRecord('m', '81', 'writing', 2, { score: 6 }),
      scoreRecord('m', '111', 'math', 1, { score: 4 }), scoreRecord('m', '111', 'math', 2, 'parse_failure'),
      scoreRecord('m', '112', 'math', 1, 'skipped'),
    ];
    const [summary] = scoreSummary(records, { resamples: 5, seed: 0 });
    expect(summary?.overall.mean).toBe(6);
    expect(summary?.overall.n).toBe(3);
    // Units by question: 81 → [8, 6], 111 → [4]; the resamples of the bootstrap test above.
    expect(summary?.overall.interval?.low).toBeCloseTo(4.2, 12);
    expect(summary?.overall.interval?.high).toBe(7);
    expect(summary?.byCategory.get('writing')).toMatchObject({ mean: 7, n: 2 });
    expect(summary?.byCategory.get('math')).toMatchObject({ mean: 4, n: 1, interval: { low: 4, high: 4 } });
    expect(summary?.byTurn.get(1)).toMatchObject({ mean: 6, n: 2 });
    expect(summary?.byTurn.get(2)).toMatchObject({ mean: 6, n: 1 });
    expect(summary).toMatchObject({ parseFailures: 1, skipped: 1, judged: 4 });
  });

  it('AlignBench groups: mean of category means, 总分 the mean of the two groups; dimensions averaged', () => {
    const scores: [string, number][] = [['数学计算', 4], ['数学计算', 6], ['逻辑推理', 8], ['基本任务', 6], ['中文理解', 7], ['综合问答', 5], ['文本写作', 9], ['角色扮演', 3], ['专业能力', 6]];
    const records = scores.map(([category, score], i) => scoreRecord('m', String(i + 1), category, 1, { score, dimensions: { 事实正确性: i === 0 ? 8 : 6, 综合得分: score } }, 'alignbench'));
    const [summary] = scoreSummary(records, { resamples: 20, seed: 1 });
    expect(summary?.groups.get('中文推理')?.mean).toBe(6.5);
    expect(summary?.groups.get('中文语言')?.mean).toBe(6);
    expect(summary?.groups.get('总分')?.mean).toBe(6.25);
    // Every category but 数学计算 has one unit, so resampling moves only 数学计算 (4 or 5 or 6):
    // 中文推理 ∈ {6, 6.5, 7}, 总分 ∈ {6, 6.25, 6.5}.
    const total = summary?.groups.get('总分')?.interval;
    expect(total && total.low >= 6 && total.high <= 6.5).toBe(true);
    expect(summary?.dimensions.get('事实正确性')).toEqual({ mean: (8 + 6 * 8) / 9, n: 9 });
    expect(summary?.dimensions.get('综合得分')).toEqual({ mean: 54 / 9, n: 9 });
  });

  it('a group with a category missing has no score (never an average over part of it)', () => {
    const [summary] = scoreSummary([scoreRecord('m', '1', '数学计算', 1, { score: 5 }, 'alignbench')], { resamples: 5, seed: 0 });
    expect(summary?.groups.get('中文推理')?.mean).toBeNaN();
    expect(summary?.groups.get('总分')?.mean).toBeNaN();
    expect(summary?.groups.get('总分')?.interval).toBeNull();
  });
});

describe('pairwise mode', () => {
  const long = { cand: 'a much longer answer', base: 'short' };
  const records = [
    pairRecord('cand', 'base', '1', 'AB', 'A', 'writing', long), pairRecord('cand', 'base', '1', 'BA', 'B', 'writing', long), // win both orders
    pairRecord('cand', 'base', '2', 'AB', 'A', 'writing', long), pairRecord('cand', 'base', '2', 'BA', 'A', 'writing', long), // A both times: flips → tie
    pairRecord('cand', 'base', '3', 'AB', 'tie', 'math', long), pairRecord('cand', 'base', '3', 'BA', 'tie', 'math', long), // tie
    pairRecord('cand', 'base', '4', 'AB', 'B', 'math', long), pairRecord('cand', 'base', '4', 'BA', 'A', 'math', long), // loss both orders
    pairRecord('cand', 'base', '5', 'AB', 'parse_failure', 'math', long), pairRecord('cand', 'base', '5', 'BA', 'A', 'math', long), // left out
  ];

  it('combines both orders: agreement keeps the verdict, a flip is a tie, a parse failure leaves the pair out', () => {
    expect(combineOrders(records).map((o) => [o.questionId, o.result, o.inconsistent, o.failed])).toEqual([
      ['1', 'win', false, null], ['2', 'tie', true, null], ['3', 'tie', false, null], ['4', 'loss', false, null], ['5', null, false, 'parse_failure'],
    ]);
  });

  it('win rates three ways, per category, with the flip counted', () => {
    const [row] = pairwiseSummary(records, { resamples: 5, seed: 0 });
    expect(row?.overall).toMatchObject({ wins: 1, ties: 2, losses: 1, inconsistent: 1, parseFailures: 1, skipped: 0, winRate: 0.25, winRateTiesHalf: 0.5, winRateDecisive: 0.5 });
    expect(row?.byCategory.get('writing')).toMatchObject({ wins: 1, ties: 1, losses: 0, winRateTiesHalf: 0.75, winRateDecisive: 1 });
    expect(row?.byCategory.get('math')).toMatchObject({ wins: 0, ties: 1, losses: 1, winRate: 0, winRateTiesHalf: 0.25, winRateDecisive: 0 });
  });

  it('diagnostics: parse-failure rate, position consistency, wins by the longer answer', () => {
    expect(diagnostics(records)).toEqual({
      judged: 10, parseFailures: 1, parseFailureRate: 0.1, skipped: 0,
      pairsWithBothOrders: 4, consistentPairs: 3, positionConsistency: 0.75, firstPositionFlips: 1, secondPositionFlips: 0,
      // Decisive verdicts: q1 ×2 and q2 AB for the (longer) candidate; q2 BA, q4 ×2, q5 BA for the baseline.
      decisiveWithLengthDifference: 7, longerAnswerWins: 3, longerAnswerWinShare: 3 / 7,
    });
  });
});

describe('Bradley–Terry', () => {
  it('3 wins to 1 gives a strength ratio of 3: 400·log10 3 Elo points', () => {
    const outcomes = [1, 1, 1, 0].map((firstScore) => ({ first: 'a', second: 'b', firstScore }));
    const fit = fitBradleyTerry(outcomes, 'b');
    expect(fit.ok && fit.ratings.get('b')).toBe(1000);
    expect(fit.ok && fit.ratings.get('a')).toBeCloseTo(1000 + 400 * Math.log10(3), 9);
    // A win and a tie is 1.5 to 0.5: the same ratio.
    const withTie = fitBradleyTerry([{ first: 'a', second: 'b', firstScore: 1 }, { first: 'a', second: 'b', firstScore: 0.5 }], 'b');
    expect(withTie.ok && withTie.ratings.get('a')).toBeCloseTo(1000 + 400 * Math.log10(3), 9);
  });

  it('a cycle of equal records rates everyone equally; without an anchor the geometric mean is 1000', () => {
    const outcomes = [['a', 'b'], ['b', 'c'], ['c', 'a']].flatMap(([first, second]) => [1, 1, 0].map((firstScore) => ({ first: first as string, second: second as string, firstScore })));
    const fit = fitBradleyTerry(outcomes, null);
    for (const player of ['a', 'b', 'c']) expect(fit.ok && fit.ratings.get(player)).toBeCloseTo(1000, 9);
  });

  it('two models against a baseline: ratios multiply through the baseline', () => {
    // x beats base 3:1, y beats base 1:1 → p_x/p_base = 3, p_y/p_base = 1 (a star graph fits each edge exactly).
    const outcomes = [...[1, 1, 1, 0].map((s) => ({ first: 'x', second: 'base', firstScore: s })), ...[1, 0].map((s) => ({ first: 'y', second: 'base', firstScore: s }))];
    const fit = fitBradleyTerry(outcomes, 'base');
    expect(fit.ok && fit.ratings.get('x')).toBeCloseTo(1000 + 400 * Math.log10(3), 9);
    expect(fit.ok && fit.ratings.get('y')).toBeCloseTo(1000, 9);
  });

  it('refuses a fit that does not exist (a model that won every comparison)', () => {
    const fit = fitBradleyTerry([{ first: 'a', second: 'b', firstScore: 1 }, { first: 'a', second: 'b', firstScore: 1 }], 'b');
    expect(fit).toEqual({ ok: false, reason: 'no finite fit: a, b won or lost every comparison' });
  });

  it('summary from records: anchored at the baseline, intervals from resampled questions', () => {
    const records = [
      ...['1', '2', '3'].flatMap((q) => [pairRecord('x', 'base', q, 'AB', 'A'), pairRecord('x', 'base', q, 'BA', 'B')]),
      pairRecord('x', 'base', '4', 'AB', 'B'), pairRecord('x', 'base', '4', 'BA', 'A'),
      pairRecord('y', 'base', '1', 'AB', 'A'), pairRecord('y', 'base', '1', 'BA', 'B'), pairRecord('y', 'base', '2', 'AB', 'B'), pairRecord('y', 'base', '2', 'BA', 'A'),
    ];
    const bt = bradleyTerrySummary(records, 'base', { resamples: 40, seed: 3 });
    if (!bt.ok) throw new Error(bt.reason);
    const row = (model: string) => bt.rows.find((r) => r.model === model);
    expect(bt.rows[0]?.model).toBe('x');
    expect(row('x')?.rating).toBeCloseTo(1000 + 400 * Math.log10(3), 9);
    expect(row('y')?.rating).toBeCloseTo(1000, 9);
    expect(row('base')).toMatchObject({ rating: 1000, interval: { low: 1000, high: 1000 } });
    // Resamples where x never loses (or y never wins/loses) have no finite fit: counted, not filled in.
    expect(row('x')?.interval?.undefinedResamples).toBeGreaterThan(0);
  });
});
