/**
 * OpenCompass's ceval_clean_ppl table (AccContaminationEvaluator + configs/summarizers/contamination.py):
 * per-subject accuracy per Contamination_Detector label, groups as the summarizer's weighted average
 * with the label counts as weights (and the default summarizer's unweighted mean beside it), partial
 * groups without a number. The weights OpenCompass hard-codes are checked against the real annotation
 * file's counts over the real val CSVs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContaminationAnnotations } from '../../../harness/contamination/annotations.js';
import { OPENCOMPASS_CLEAN_METRICS, openCompassCleanTable, type CevalOutcome } from '../../../harness/contamination/impact.js';
import { loadCevalSplit } from '../../../harness/ceval/dataset.js';
import { openCompassCleanRows } from '../../../reports/contamination/contamination-tables.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

const ANNOTATIONS = join(BENCHMARKS_DIR, 'ceval/formal_ceval/val/ceval_contamination_annotations.json');
const WEIGHTS = (JSON.parse(readFileSync(join(import.meta.dirname, '../../data/opencompass/ceval-contamination-weights.json'), 'utf8')) as { weights: Record<string, Record<string, number>> }).weights;

function outcome(subject: string, row: number, correct: boolean | null): CevalOutcome {
  return { key: `${subject}-${row}`, subject, row, mode: 'ppl', correct };
}

describe('OpenCompass ceval_clean table', () => {
  it('label counts over the real val split equal the weights OpenCompass hard-codes, for all 52 subjects', () => {
    const labels = loadContaminationAnnotations(ANNOTATIONS);
    const subjects = Object.keys(WEIGHTS);
    expect(subjects).toHaveLength(52);
    const outcomes = subjects.flatMap((subject) => loadCevalSplit(BENCHMARKS_DIR, subject, 'val').map((q) => outcome(subject, q.row, true)));
    const rows = openCompassCleanTable(outcomes, (key) => labels.get(key), subjects, [{ name: 'ceval', subjects }]);
    for (const subject of subjects) {
      const row = rows.find((r) => r.dataset === `ceval-${subject}`);
      expect(row?.cells.map((c) => c.items), subject).toEqual(OPENCOMPASS_CLEAN_METRICS.map(({ metric }) => WEIGHTS[subject]?.[metric]));
    }
  });

  it('per subject accuracy per label; groups: weighted by label counts (= pooled), unweighted mean beside; partial groups have none', () => {
    const labels = new Map<string, string>([
      ['a-0', 'clean'], ['a-1', 'clean'], ['a-2', 'clean'], ['a-3', 'input-and-label contamination'],
      ['b-0', 'clean'], ['b-1', 'input contamination'], ['b-2', 'input-and-label contamination'], ['b-3', 'input-and-label contamination'],
    ]);
    const outcomes = [
      outcome('a', 0, true), outcome('a', 1, false), outcome('a', 2, false), outcome('a', 3, true), outcome('a', 4, true), // a-4 not labeled
      outcome('b', 0, true), outcome('b', 1, true), outcome('b', 2, false), outcome('b', 3, true),
    ];
    const rows = openCompassCleanTable(outcomes, (key) => labels.get(key), ['a', 'b'], [{ name: 'g', subjects: ['a', 'b'] }, { name: 'g-partial', subjects: ['a', 'missing'] }]);
    const a = rows.find((r) => r.dataset === 'ceval-a');
    expect(a?.cells.map((c) => c.accuracy)).toEqual([100 / 3, Number.NaN, 100]);
    const b = rows.find((r) => r.dataset === 'ceval-b');
    expect(b?.cells.map((c) => c.accuracy)).toEqual([100, 100, 50]);
    const group = rows.find((r) => r.dataset === 'g');
    // clean: (33.33·3 + 100·1) / 4 = 50 = 2 of 4 pooled; input: only b has items; input-and-label: (100·1 + 50·2) / 3.
    expect(group?.weighted[0]).toBeCloseTo(50, 10);
    expect(group?.weighted[1]).toBeCloseTo(100, 10);
    expect(group?.weighted[2]).toBeCloseTo(200 / 3, 10);
    expect(group?.naive[0]).toBeCloseTo((100 / 3 + 100) / 2, 10);
    expect(group?.naive[1]).toBeNaN();
    const partial = rows.find((r) => r.dataset === 'g-partial');
    expect(partial?.subjects).toBe('partial 1/2');
    expect(partial?.weighted.every(Number.isNaN)).toBe(true);
    const printed = openCompassCleanRows(rows);
    expect(printed).toContainEqual(['ceval-a', 'accuracy - input contaminated', '-', '', '0/0', '']);
    expect(printed).toContainEqual(['g', 'accuracy - clean', '50.00', '66.67', '2/4', '2/2']);
    expect(printed).toContainEqual(['g-partial', 'accuracy - clean', '-', '-', '1/3', 'partial 1/2']);
  });
});
