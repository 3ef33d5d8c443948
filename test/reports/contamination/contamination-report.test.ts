import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runContamination } from '../../../harness/contamination/runner.js';
import { probeText } from '../../../harness/contamination/items.js';
import { loadContaminationAnnotations } from '../../../harness/contamination/annotations.js';
import { readCevalOutcomes } from '../../../harness/contamination/impact.js';
import { writeContaminationReport } from '../../../reports/contamination/write-contamination-report.js';
import { accuracyBarsSvg, histogramSvg } from '../../../reports/contamination/contamination-charts.js';
import { ngramMemorisingModel } from '../../helpers/ngram-memorising-model.js';
import { contaminationFixture } from '../../helpers/contamination-fixture.js';
import { openReport } from '../../helpers/browser.js';

describe('contamination charts', () => {
  it('histogram bars are shares of each set; accuracy bars carry their interval', () => {
    const svg = histogramSvg({ title: 'NLL', benchmark: [1, 1, 2, 3], reference: [3, 3], bins: 2 });
    // Bins [1, 2) and [2, 3]: benchmark 50% / 50%, reference 0% / 100%.
    expect(svg.match(/benchmark: [\d.]+%/g)).toEqual(['benchmark: 50.0%', 'benchmark: 50.0%']);
    expect(svg.match(/reference: [\d.]+%/g)).toEqual(['reference: 0.0%', 'reference: 100.0%']);
    const bars = accuracyBarsSvg('acc', [{ label: 'clean', rate: 0.6, low: 0.49, high: 0.7, scored: 80, questions: 82 }, { label: 'unlabelled', rate: Number.NaN, low: Number.NaN, high: Number.NaN, scored: 0, questions: 3 }]);
    expect(bars).toContain('clean: 60.0% (95% CI 49.0–70.0%)');
    expect(bars).toContain('no data');
    expect(bars).toContain('0/3 scored');
  });
});

describe('contamination HTML report', () => {
  it('loads in headless Chromium without errors or requests and says per-item scores are weak evidence', async () => {
    const { dir, plan, cevalRun, annotations } = contaminationFixture();
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    const model = ngramMemorisingModel(plan.benchmark.map(probeText));
    await runContamination(plan, runDir, { openModel: async () => model, log: () => undefined });
    writeContaminationReport(runDir, ['dataset: quiz.csv — 30 items', 'model: ngram-memorising'], { outcomes: readCevalOutcomes(cevalRun), annotations: loadContaminationAnnotations(annotations) });
    const html = join(runDir, 'report.html');
    expect(readFileSync(join(runDir, 'summary.md'), 'utf8')).toContain('Per-item scores are weak evidence');
    const report = await openReport(html);
    try {
      const text = (await report.page.textContent('body')) ?? '';
      expect(text).toContain('Per-item scores are weak evidence');
      expect(text).toContain('each character is one unit');
      expect(text).toContain('GPT-3 rule (13-gram)');
      expect(text).toContain('Hanley–McNeil');
      expect(await report.page.locator('svg').count()).toBe(3 + 2); // three histograms, two accuracy charts
      // Annotations and n-gram labels, then OpenCompass's per-subject ceval_clean table.
      expect(await report.page.locator('#contamination-impact table').count()).toBe(3);
      expect(await report.page.locator('#contamination-impact h3').last().textContent()).toBe('OpenCompass ceval_clean table');
      const shot = process.env.CONTAMINATION_SCREENSHOT ?? join(dir, 'report.png');
      await report.page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(report.errors).toEqual([]);
      expect(report.externalRequests).toEqual([]);
    } finally {
      await report.close();
    }
  });
});
