/**
 * Judge-reply parsing against what the sources' Python returns for the same replies
 * (test/data/subjective/*-cases.json). Where the source keeps a number off the scale or raises,
 * gnomon reports a parse failure with the reason.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignbenchPostProcess, parseAlignbenchRating, parseMtBenchRating, parseMtBenchVerdict } from '../../../harness/subjective/judge-replies.js';
import { pythonInt } from '../../../harness/subjective/python-numbers.js';

const DATA = resolve(import.meta.dirname, '../../data/subjective');
const read = <T>(name: string): T => JSON.parse(readFileSync(join(DATA, name), 'utf8')) as T;

describe('MT-Bench [[rating]] (FastChat run_judge_single)', () => {
  const cases = read<{ reply: string; rating?: number; exception?: string }[]>('fastchat-rating-cases.json');
  it.each(cases.map((c) => [JSON.stringify(c.reply), c] as const))('%s', (_name, c) => {
    const parsed = parseMtBenchRating(c.reply);
    if (c.exception !== undefined) {
      expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/literal_eval raises/) as unknown });
    } else if (c.rating === -1) {
      expect(parsed).toEqual({ ok: false, reason: 'no [[rating]] (nor [rating]) in the reply' });
    } else if ((c.rating as number) < 1 || (c.rating as number) > 10) {
      expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/outside the 1–10 scale \(FastChat would keep it\)/) as unknown });
    } else {
      expect(parsed).toEqual({ ok: true, value: c.rating });
    }
  });
});

describe('MT-Bench pairwise verdict (FastChat run_judge_pair)', () => {
  const cases = read<{ reply: string; winner: 'A' | 'B' | 'tie' | 'error' }[]>('fastchat-pair-cases.json');
  it.each(cases.map((c) => [JSON.stringify(c.reply), c] as const))('%s', (_name, c) => {
    const parsed = parseMtBenchVerdict(c.reply);
    expect(parsed).toEqual(c.winner === 'error' ? { ok: false, reason: 'no [[A]], [[B]] or [[C]] in the reply' } : { ok: true, value: c.winner });
  });
});

describe('AlignBench rating dict (judge.py post_process + OpenCompass checks)', () => {
  const cases = read<{ reply: string; rating: Record<string, number>; score: number; opencompass_valid: boolean }[]>('alignbench-rating-cases.json');
  it.each(cases.map((c) => [JSON.stringify(c.reply), c] as const))('%s', (_name, c) => {
    const raw = alignbenchPostProcess(c.reply);
    expect(Object.fromEntries(raw.rating)).toEqual(c.rating);
    expect(raw.score).toBe(c.score);
    const parsed = parseAlignbenchRating(c.reply);
    expect(parsed.ok).toBe(c.opencompass_valid);
    if (parsed.ok) expect(parsed.value).toEqual({ dimensions: c.rating, score: c.score });
  });

  it('reads Unicode decimal digits as Python does', () => {
    expect(pythonInt('６')).toBe(6);
    expect(pythonInt('١٠')).toBe(10);
    expect(pythonInt('𝟗')).toBe(9);
    expect(pythonInt('𝟬𝟱')).toBe(5);
  });
});
