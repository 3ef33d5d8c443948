import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContaminationAnnotations } from '../../../harness/contamination/annotations.js';
import { impactTables, readCevalOutcomes } from '../../../harness/contamination/impact.js';
import { isUserError } from '../../../engine/errors.js';

/** A hand-made run: 80 clean (48 right), 40 input (30 right), 30 input-and-label (26 right), 10 unlabelled (5 right), 2 skipped. */
function handMadeRun(): { dir: string; annotations: Record<string, string[]> } {
  const dir = mkdtempSync(join(tmpdir(), 'gnomon-impact-'));
  const lines: string[] = [];
  const annotations: Record<string, string[]> = {};
  let row = 0;
  const add = (count: number, correct: number, label: string | undefined, status = 'ok'): void => {
    for (let i = 0; i < count; i += 1, row += 1) {
      lines.push(JSON.stringify({ schema: 'gnomon.ceval.record.v1', subject: 'physics', id: String(row), row, mode: 'ppl', correct: status === 'ok' ? i < correct : null, status }));
      if (label) annotations[`physics-${row}`] = [label];
    }
  };
  add(80, 48, 'clean');
  add(40, 30, 'input contamination');
  add(30, 26, 'input-and-label contamination');
  add(10, 5, undefined);
  add(2, 0, 'clean', 'skipped');
  writeFileSync(join(dir, 'records.jsonl'), `${lines.join('\n')}\n`);
  return { dir, annotations };
}

describe('clean/dirty impact', () => {
  it('computes accuracies, the difference and its Newcombe interval on a hand-made table', () => {
    const { dir, annotations } = handMadeRun();
    const labels = parseContaminationAnnotations(annotations, 'annotations.json');
    const [table] = impactTables(readCevalOutcomes(dir), (key) => labels.get(key), {
      source: 'annotations', labelOrder: ['clean', 'input contamination', 'input-and-label contamination'],
      dirtyLabels: ['input contamination', 'input-and-label contamination'], cleanLabel: 'clean',
    });
    expect(table?.groups.map((g) => [g.label, g.questions, g.accuracy.trials, g.accuracy.successes])).toEqual([
      ['clean', 82, 80, 48], ['input contamination', 40, 40, 30], ['input-and-label contamination', 30, 30, 26], ['unlabelled', 10, 10, 5],
    ]);
    expect(table?.dirty).toMatchObject({ successes: 56, trials: 70 });
    expect(table?.clean).toMatchObject({ successes: 48, trials: 80 });
    // 56/70 − 48/80 is Newcombe's (1998) worked example: 0.2, 95% CI 0.0524 to 0.3339.
    expect(table?.difference.difference).toBeCloseTo(0.2, 12);
    expect(table?.difference.low).toBeCloseTo(0.0524, 4);
    expect(table?.difference.high).toBeCloseTo(0.3339, 4);
  });

  it('rejects annotation files that are not Contamination_Detector JSON, naming the key', () => {
    expect(parseContaminationAnnotations({ 'physics-3': ['input contamination', 'clean'] }, 'a.json').get('physics-3')).toBe('input contamination');
    for (const bad of [[1, 2], { 'physics-x': ['clean'] }, { 'physics-1': ['dirty'] }]) {
      try {
        parseContaminationAnnotations(bad, 'a.json');
        expect.unreachable();
      } catch (error) {
        expect(isUserError(error)).toBe(true);
        expect((error as Error).message).toContain('a.json');
      }
    }
  });
});
