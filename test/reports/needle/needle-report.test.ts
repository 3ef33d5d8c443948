import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadHaystack } from '../../../harness/needle/haystack.js';
import type { NeedleRecord } from '../../../harness/needle/needle-record.js';
import { runNeedleSweep } from '../../../harness/needle/run-sweep.js';
import { heatmapLayout } from '../../../reports/needle/heatmap-layout.js';
import { renderHeatmapSvg } from '../../../reports/needle/heatmap-svg.js';
import { summariseNeedleRecords } from '../../../reports/needle/needle-summary.js';
import { summaryText } from '../../../reports/needle/needle-tables.js';
import { scoreColour } from '../../../reports/needle/score-colour.js';
import { writeNeedleReport } from '../../../reports/needle/write-needle-report.js';
import { openReport } from '../../helpers/browser.js';
import { FixedWindowModel } from '../../../bench/scripted-needle-models.js';
import { WordTokenizer } from '../../helpers/word-tokenizer.js';

const DEPTHS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const LENGTHS = [512, 1024, 2048, 4096, 8192];

/** A real sweep: a 1500-token window model with a 5000-token context, so the grid has ones, zeros and exceeded cells. */
async function sweepRecords(dir: string): Promise<NeedleRecord[]> {
  const model = new FixedWindowModel({ tokenizer: new WordTokenizer({ chat: true }), window: 1500, contextLength: 5000 });
  const result = await runNeedleSweep(model, {
    grid: { lengths: LENGTHS, depths: DEPTHS, repeats: 1 },
    haystack: loadHaystack('en'),
    plan: { task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerReserve: 24, globalSeed: 3 },
    recordsFile: join(dir, 'records.jsonl'),
  });
  return result.records;
}

describe('needle reports', () => {
  it('summarises means per length and depth, the effective length, and keeps exceeded cells out of the means', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    const summary = summariseNeedleRecords(await sweepRecords(dir), 0.85);
    expect(summary.lengths).toEqual(LENGTHS);
    expect(summary.byLength[0]?.mean).toBe(1);
    expect(summary.byLength[1]?.mean).toBe(1);
    expect(summary.byLength[2]?.mean).toBeLessThan(0.85);
    expect(summary.byLength[4]).toMatchObject({ mean: null, exceeded: 11, scored: 0 });
    expect(summary.effectiveLength).toBe(1024);
    expect(summary.counts.exceeds_context).toBe(11);
    // Depth 100 is always inside the window; depth 0 only at the short lengths.
    expect(summary.byDepth[10]?.mean).toBe(1);
    expect(summary.byDepth[0]?.mean).toBeCloseTo(2 / 4);
    expect(summaryText(summary)).toContain('effective length (mean ≥ 0.85): 1k');
  });

  it('draws every cell in the SVG with its value, hatching exceeded cells', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    const summary = summariseNeedleRecords(await sweepRecords(dir));
    const svg = renderHeatmapSvg(summary, 'test');
    expect(svg.match(/class="needle-cell"/g)).toHaveLength(LENGTHS.length * DEPTHS.length);
    expect(svg.match(/fill="url\(#needle-hatch\)"/g)).toHaveLength(11);
    expect(svg).toContain('>1.00</text>');
    expect(svg).toContain('>0.00</text>');
  });

  it('writes a PNG heatmap with the same geometry, cell colours, values and hatching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    const records = await sweepRecords(dir);
    const { summary } = writeNeedleReport(dir, records, { title: 'png test', subtitle: [], facts: [] }, 0.85);
    const png = PNG.sync.read(readFileSync(join(dir, 'heatmap.png')));
    const layout = heatmapLayout(summary, 'png test');
    expect([png.width, png.height]).toEqual([layout.width, layout.height]);
    const pixel = (x: number, y: number): number[] => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    // Cell (512, depth 0): score 1 → green at its corner; (8192, any): hatched → two grey tones.
    expect(pixel(layout.left + 3, layout.top + 3)).toEqual([...scoreColour(1)]);
    const hatchColumn = layout.left + 4 * layout.cellWidth;
    const tones = new Set<string>();
    for (let x = hatchColumn + 2; x < hatchColumn + 20; x += 1) tones.add(pixel(x, layout.top + 5).join(','));
    expect(tones.size).toBe(2);
    // The value is written in the cell: some pixels differ from the fill.
    let ink = 0;
    for (let y = layout.top + 1; y < layout.top + layout.cellHeight - 1; y += 1) {
      for (let x = layout.left + 1; x < layout.left + layout.cellWidth - 1; x += 1) if (pixel(x, y).join(',') !== scoreColour(1).join(',')) ink += 1;
    }
    expect(ink).toBeGreaterThan(40);
  });

  it('renders an HTML report that loads in headless Chromium without errors and filters cells on click', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    const records = await sweepRecords(dir);
    writeNeedleReport(dir, records, { title: 'Needle: window-1500 on en', subtitle: ['model: window-1500 (scripted)'], facts: [['task', 'single'], ['haystack', 'en']] }, 0.85);
    for (const file of ['heatmap.svg', 'heatmap.png', 'curve.svg', 'summary.txt', 'summary.md', 'summary.csv', 'depths.csv', 'summary.json']) {
      expect(statSync(join(dir, file)).size).toBeGreaterThan(100);
    }
    const report = await openReport(join(dir, 'report.html'));
    try {
      const page = report.page;
      expect(await page.locator('.needle-heatmap .needle-cell').count()).toBe(55);
      expect(await page.locator('.needle-curve .effective-length').count()).toBe(1);
      expect(await page.textContent('#needle-count')).toBe('55 of 55 records');
      await page.locator('.needle-heatmap .needle-cell[data-length="2048"][data-depth="30"]').click();
      expect(await page.textContent('#needle-count')).toBe('1 of 55 records (length 2048, depth 30%)');
      await page.selectOption('#needle-status', 'exceeds_context');
      await page.click('#needle-clear');
      expect(await page.textContent('#needle-count')).toBe('55 of 55 records');
      await page.evaluate(() => window.scrollTo(0, 0));
      // Outside the repository, at a fixed path so a person can look at them after the run.
      const shots = join(tmpdir(), 'gnomon-needle-screenshots');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'report.png'), fullPage: false });
      await page.locator('#needle-curve').screenshot({ path: join(shots, 'curve.png') });
      expect(report.errors).toEqual([]);
      expect(report.externalRequests).toEqual([]);
    } finally {
      await report.close();
    }
  });
});
