import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runContamination } from '../../../harness/contamination/runner.js';
import { probeText } from '../../../harness/contamination/items.js';
import { readJsonl } from '../../../harness/records.js';
import type { ContaminationRecord } from '../../../harness/contamination/contamination-records.js';
import { loadContaminationAnnotations } from '../../../harness/contamination/annotations.js';
import { readCevalOutcomes } from '../../../harness/contamination/impact.js';
import { writeContaminationReport } from '../../../reports/contamination/write-contamination-report.js';
import { ngramMemorisingModel } from '../../helpers/ngram-memorising-model.js';
import { contaminationFixture } from '../../helpers/contamination-fixture.js';

describe('contamination runner', () => {
  it('writes one record per probe and item, resumes without repeating work, and summarises', async () => {
    const { dir, plan, cevalRun, annotations } = contaminationFixture();
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    const model = ngramMemorisingModel(plan.benchmark.map(probeText));
    let opened = 0;
    const callbacks = { openModel: async () => { opened += 1; return model; }, log: () => undefined };
    await runContamination(plan, runDir, callbacks);
    const file = join(runDir, 'records.jsonl');
    const records = readJsonl<ContaminationRecord>(file);
    const count = (probe: string, set: string): number => records.filter((r) => r.probe === probe && r.set === set).length;
    expect([count('ngram', 'benchmark'), count('likelihood', 'benchmark'), count('likelihood', 'reference'), count('option_order', 'benchmark'), count('option_order', 'reference')]).toEqual([30, 30, 30, 30, 30]);
    expect(opened).toBe(1);

    // Nothing left: no model opened, no records added.
    await runContamination(plan, runDir, callbacks);
    expect(opened).toBe(1);
    expect(readJsonl<ContaminationRecord>(file)).toHaveLength(150);

    // Killed mid-run: keep the first 100 lines plus a torn line; the rest runs again, once.
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, `${lines.slice(0, 100).join('\n')}\n{"schema":"gnomon.contam`);
    await runContamination(plan, runDir, callbacks);
    const resumed = readJsonl<ContaminationRecord>(file);
    expect(resumed).toHaveLength(150);
    expect(new Set(resumed.map((r) => `${r.probe}:${r.set}:${r.item_key}`)).size).toBe(150);
    expect(resumed.filter((r) => r.probe === 'likelihood')).toEqual(records.filter((r) => r.probe === 'likelihood'));

    const { summary, files } = writeContaminationReport(runDir, ['test run'], { outcomes: readCevalOutcomes(cevalRun), annotations: loadContaminationAnnotations(annotations) });
    expect(files.map((f) => f.slice(runDir.length + 1))).toEqual(['summary.json', 'summary.md', 'items.csv', 'report.html']);
    expect(summary.ngram?.counts).toEqual({ clean: 20, partial: 0, dirty: 10, 'too-short': 0 });
    for (const method of summary.likelihood) expect(method.auroc?.auroc).toBeGreaterThanOrEqual(0.9);
    const [benchmarkOrder, referenceOrder] = summary.optionOrder;
    expect(benchmarkOrder?.originalFirst.successes).toBe(30);
    expect(referenceOrder?.originalFirst.rate).toBeLessThan(0.2);
    // Annotations: 10 dirty (all right), 14 clean (7 right), 6 unlabelled (3 right) — counted, not dropped.
    const annotated = summary.impact.find((t) => t.source.includes('annotations'));
    expect(annotated?.groups.map((g) => [g.label, g.questions, g.accuracy.successes])).toEqual([
      ['clean', 14, 7], ['input contamination', 0, 0], ['input-and-label contamination', 10, 10], ['unlabelled', 6, 3],
    ]);
    expect(annotated?.difference.difference).toBeCloseTo(1 - 7 / 14, 12);
    const byNgram = summary.impact.find((t) => t.source.includes('n-gram'));
    expect(byNgram?.dirty).toMatchObject({ successes: 10, trials: 10 });
    expect(byNgram?.clean).toMatchObject({ successes: 10, trials: 20 });
    expect(readFileSync(join(runDir, 'items.csv'), 'utf8').split('\n')[1]).toMatch(/^benchmark,quiz-0,0,quiz,0,dirty,/);
  });
});
