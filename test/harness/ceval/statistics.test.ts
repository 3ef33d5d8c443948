import { describe, expect, it } from 'vitest';
import { categoryGroups, groupResults, subjectResults, wilsonInterval, type QuestionOutcome } from '../../../harness/ceval/statistics.js';

function outcomes(subject: string, correct: number, wrong: number, extra: Partial<QuestionOutcome>[] = []): QuestionOutcome[] {
  return [
    ...Array.from({ length: correct }, () => ({ subject, status: 'ok' as const, correct: true, noAnswer: false })),
    ...Array.from({ length: wrong }, () => ({ subject, status: 'ok' as const, correct: false, noAnswer: false })),
    ...extra.map((e) => ({ subject, status: 'ok' as const, correct: false, noAnswer: false, ...e })),
  ];
}

describe('wilsonInterval', () => {
  it('matches the textbook values', () => {
    // 8 of 10: Wilson 95% interval 0.4902–0.9433 (Agresti & Coull 1998 style check, z = 1.96).
    const { low, high } = wilsonInterval(8, 10);
    expect(low).toBeCloseTo(0.4902, 3);
    expect(high).toBeCloseTo(0.9433, 3);
    // Stays inside [0, 1] at the edges, where the normal approximation collapses to a point.
    expect(wilsonInterval(0, 19).low).toBe(0);
    expect(wilsonInterval(0, 19).high).toBeCloseTo(0.1682, 3);
    expect(wilsonInterval(19, 19).high).toBe(1);
    expect(Number.isNaN(wilsonInterval(0, 0).low)).toBe(true);
  });
});

describe('subject and group results on hand-made outcomes', () => {
  // Three subjects: s1 3/4 correct, s2 1/2 correct + 1 no-answer + 1 skipped, s3 10/10.
  const records = [
    ...outcomes('s1', 3, 1),
    ...outcomes('s2', 1, 1, [{ noAnswer: true }, { status: 'skipped' }]),
    ...outcomes('s3', 10, 0),
  ];
  const subjects = subjectResults(records, ['s3', 's2', 's1']);

  it('counts per subject; skips are out of the denominator, no-answers are in it', () => {
    expect(subjects.map((s) => s.subject)).toEqual(['s3', 's2', 's1']);
    const s2 = subjects.find((s) => s.subject === 's2');
    expect(s2).toMatchObject({ count: 3, correct: 1, noAnswer: 1, skipped: 1 });
    expect(s2?.accuracy).toBeCloseTo(100 / 3, 10);
    expect(subjects.find((s) => s.subject === 's1')?.accuracy).toBe(75);
  });

  it('groups: unweighted mean over subjects beside the question-weighted accuracy', () => {
    const [pair, all, partial] = groupResults(subjects, [
      { name: 'g-pair', subjects: ['s1', 's2'] },
      { name: 'g-all', subjects: ['s1', 's2', 's3'] },
      { name: 'g-partial', subjects: ['s1', 'missing'] },
    ]);
    // (75 + 33.33) / 2 = 54.17; weighted (3 + 1) / (4 + 3) = 57.14
    expect(pair?.meanAccuracy).toBeCloseTo((75 + 100 / 3) / 2, 10);
    expect(pair?.weightedAccuracy).toBeCloseTo((100 * 4) / 7, 10);
    // (75 + 33.33 + 100) / 3 = 69.44; weighted 14 / 17 = 82.35
    expect(all?.meanAccuracy).toBeCloseTo((75 + 100 / 3 + 100) / 3, 10);
    expect(all?.weightedAccuracy).toBeCloseTo((100 * 14) / 17, 10);
    expect(all).toMatchObject({ count: 17, correct: 14, noAnswer: 1, skipped: 1, subjectsPresent: 3, subjectsTotal: 3 });
    // A group with a missing member has no number at all (OpenCompass prints '-').
    expect(partial).toMatchObject({ subjectsPresent: 1, subjectsTotal: 2, complete: false });
    expect(partial?.meanAccuracy).toBeNaN();
    expect(partial?.weightedAccuracy).toBeNaN();
    expect(all?.complete).toBe(true);
  });

  it('category groups are named like OpenCompass (ceval-stem, ceval-social-science)', () => {
    const groups = categoryGroups('ceval', [
      { subject: 'a', categories: ['STEM'] }, { subject: 'b', categories: ['Social Science'] }, { subject: 'c', categories: ['STEM'] },
    ]);
    expect(groups).toEqual([{ name: 'ceval-stem', subjects: ['a', 'c'] }, { name: 'ceval-social-science', subjects: ['b'] }]);
  });
});
