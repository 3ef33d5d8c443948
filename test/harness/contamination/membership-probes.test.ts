import { describe, expect, it } from 'vitest';
import { MEMBERSHIP_SCORES, scoreTexts, type LikelihoodScores } from '../../../harness/contamination/likelihood-probes.js';
import { probeOptionOrder } from '../../../harness/contamination/option-order.js';
import { probeText, type ContaminationItem } from '../../../harness/contamination/items.js';
import { aurocWithInterval, binomialTailAtLeast, mannWhitneyU } from '../../../harness/contamination/statistics.js';
import { ngramMemorisingModel } from '../../helpers/ngram-memorising-model.js';
import { syntheticChoiceItems } from '../../helpers/synthetic-choice-items.js';

const members = syntheticChoiceItems(40, 'members', 'bench');
const nonMembers = syntheticChoiceItems(40, 'non-members', 'fresh');
const memorising = ngramMemorisingModel(members.map(probeText));
const background = ngramMemorisingModel([]);

async function aurocs(model: ReturnType<typeof ngramMemorisingModel>): Promise<Record<string, ReturnType<typeof aurocWithInterval> & { p: number }>> {
  const options = { kPercent: 20, batchSize: 8 };
  const bench = (await scoreTexts(model, members.map(probeText), options)) as LikelihoodScores[];
  const ref = (await scoreTexts(model, nonMembers.map(probeText), options)) as LikelihoodScores[];
  const result: Record<string, ReturnType<typeof aurocWithInterval> & { p: number }> = {};
  for (const score of MEMBERSHIP_SCORES) {
    const a = bench.map(score.membership);
    const b = ref.map(score.membership);
    result[score.method] = { ...aurocWithInterval(a, b), p: mannWhitneyU(a, b).p };
  }
  return result;
}

describe('likelihood probes on scripted models', () => {
  it('a model that memorised the members separates them from non-members (AUROC ≥ 0.9 for every score)', async () => {
    const result = await aurocs(memorising);
    for (const method of ['mean_nll', 'min_k', 'zlib_ratio']) {
      expect(result[method]?.auroc, method).toBeGreaterThanOrEqual(0.9);
      expect(result[method]?.p, method).toBeLessThan(1e-6);
    }
  });

  it('a model that did not memorise them does not (AUROC interval holds 0.5)', async () => {
    const result = await aurocs(background);
    for (const method of ['mean_nll', 'min_k', 'zlib_ratio']) {
      const r = result[method];
      expect(r?.auroc, method).toBeLessThan(0.75);
      expect(r?.low, method).toBeLessThanOrEqual(0.5);
      expect(r?.high, method).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('per-item scores do not depend on batch size or batch composition', async () => {
    const texts = [...members, ...nonMembers].map(probeText);
    const one = await scoreTexts(memorising, texts, { kPercent: 20, batchSize: 1 });
    const seven = await scoreTexts(memorising, texts, { kPercent: 20, batchSize: 7 });
    const all = await scoreTexts(memorising, texts, { kPercent: 20, batchSize: texts.length });
    const reversed = (await scoreTexts(memorising, [...texts].reverse(), { kPercent: 20, batchSize: 5 })).reverse();
    expect(seven).toEqual(one);
    expect(all).toEqual(one);
    expect(reversed).toEqual(one);
    const seen: number[] = [];
    await scoreTexts(memorising, texts.slice(0, 9), { kPercent: 20, batchSize: 4, onScored: (index) => seen.push(index) });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('option-order probe on scripted models', () => {
  it('the memorising model prefers the original order of members; the background model ranks it first at about chance', async () => {
    const rate = async (model: ReturnType<typeof ngramMemorisingModel>): Promise<{ first: number; p: number }> => {
      let first = 0;
      for (const item of members) if ((await probeOptionOrder(model, item, 24, 'seed'))?.originalFirst) first += 1;
      return { first, p: binomialTailAtLeast(first, members.length, 1 / 24) };
    };
    const memorised = await rate(memorising);
    expect(memorised.first).toBeGreaterThanOrEqual(36);
    expect(memorised.p).toBeLessThan(1e-10);
    const chance = await rate(background);
    expect(chance.first).toBeLessThanOrEqual(6);
    expect(chance.p).toBeGreaterThan(0.01);
  });

  it('samples distinct orders with the original first, the same for an item whatever else runs', async () => {
    const { optionOrders } = await import('../../../harness/contamination/option-order.js');
    const sample = optionOrders(6, 'seed', 'bench-3');
    expect(sample).toHaveLength(6);
    expect(sample[0]).toEqual(['A', 'B', 'C', 'D']);
    expect(new Set(sample.map((o) => o.join(''))).size).toBe(6);
    expect(optionOrders(6, 'seed', 'bench-3')).toEqual(sample);
    expect(optionOrders(24, 'seed', 'bench-3')).toHaveLength(24);
    const scored = await probeOptionOrder(background, members[3] as ContaminationItem, 6, 'seed');
    expect(scored?.orders).toBe(6);
  });
});
