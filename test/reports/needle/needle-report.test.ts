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
import { EXCEEDED_FILL, HATCH, scoreColour } from '../../../reports/needle/score-colour.js';
import { renderSvgPng } from '../../../reports/needle/heatmap-png.js';
import { FIGURE_FONT_FAMILY, figureFonts, findFigureFonts, LATIN_CANDIDATES } from '../../../reports/needle/figure-fonts.js';
import { writeNeedleReport } from '../../../reports/needle/write-needle-report.js';
import { openReport } from '../../helpers/browser.js';
import { FixedWindowModel } from '../../../bench/scripted-needle-models.js';
import { WordTokenizer } from '../../helpers/word-tokenizer.js';

const DEPTHS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const LABELS = { model: 'window-1500', task: 'single needle', haystack: 'en (en)', compat: 'gnomon needles', date: '2026-12-06' };
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

  it('flagged cells (needle off its depth) are marked on the heatmap and cannot raise the effective length', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    // Pretend every 4k cell found its needle but missed its depth: green cells that test nothing.
    const records = (await sweepRecords(dir)).map((r) => (r.length_target === 4096 ? { ...r, score: 1, depth_flagged: true } : r));
    const summary = summariseNeedleRecords(records, 0.85);
    expect(summary.byLength[3]).toMatchObject({ mean: null, scored: 0, flagged: 11 });
    expect(summary.effectiveLength).toBe(1024);
    expect(summary.counts.flagged).toBe(11);
    expect(summariseNeedleRecords(records.map((r) => ({ ...r, depth_flagged: false })), 0.85).effectiveLength).toBe(4096);
    const svg = renderHeatmapSvg(summary, { labels: LABELS });
    expect(svg.match(/class="needle-cell flagged"/g)).toHaveLength(11);
    expect(svg.match(/class="needle-flag"/g)).toHaveLength(11);
    expect(svg).toContain('depth off by &gt; 1 point (not in effective length)');
    expect(summaryText(summary)).toContain('11 flagged');
  });

  it('draws every cell in the SVG with its value, hatching exceeded cells', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    const summary = summariseNeedleRecords(await sweepRecords(dir));
    const svg = renderHeatmapSvg(summary, { labels: LABELS });
    expect(svg.match(/class="needle-cell"/g)).toHaveLength(LENGTHS.length * DEPTHS.length);
    expect(svg.match(/class="needle-cell[^"]*"[^>]*fill="url\(#needle-hatch\)"/g)).toHaveLength(11);
    expect(svg).toContain('>1.00</text>');
    expect(svg).toContain('>0.00</text>');
  });

  it('renders heatmap.png from the SVG at 2×: same geometry, cell colours, values and hatching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    const records = await sweepRecords(dir);
    const { summary, png: size } = writeNeedleReport(dir, records, { title: 'png test', subtitle: [], facts: [], figure: LABELS }, 0.85);
    const png = PNG.sync.read(readFileSync(join(dir, 'heatmap.png')));
    const layout = heatmapLayout(summary, LABELS);
    expect([png.width, png.height]).toEqual([2 * layout.width, 2 * layout.height]);
    expect(size).toMatchObject({ width: png.width, height: png.height });
    const pixel = (x: number, y: number): number[] => Array.from(png.data.subarray((2 * y * png.width + 2 * x) * 4, (2 * y * png.width + 2 * x) * 4 + 3));
    // Cell (512, depth 0): score 1 → the palette's top colour at its corner; (8192, any): hatched.
    expect(pixel(layout.left + 3, layout.top + 3)).toEqual([...scoreColour(1)]);
    const hatchColumn = layout.left + 4 * layout.cellWidth;
    const tones = new Set<string>();
    // Device pixels along a row inside the hatched cell (at 2× each stripe is several pixels wide).
    for (let x = 2 * (hatchColumn + 2); x < 2 * (hatchColumn + 30); x += 1) tones.add(Array.from(png.data.subarray((2 * (layout.top + 5) * png.width + x) * 4, (2 * (layout.top + 5) * png.width + x) * 4 + 3)).join(','));
    // The light fill between stripes, and stripe cores as dark as the hatch colour (their edges are anti-aliased).
    expect(tones.has([...EXCEEDED_FILL].join(','))).toBe(true);
    expect([...tones].some((tone) => tone.split(',').every((v) => Number(v) <= HATCH[0] + 10))).toBe(true);
    // The value is written in the cell: some pixels differ from the fill.
    let ink = 0;
    for (let y = layout.top + 1; y < layout.top + layout.cellHeight - 1; y += 1) {
      for (let x = layout.left + 1; x < layout.left + layout.cellWidth - 1; x += 1) if (pixel(x, y).join(',') !== scoreColour(1).join(',')) ink += 1;
    }
    expect(ink).toBeGreaterThan(40);
  });

  it('draws CJK characters in heatmap.png with real glyphs (no missing-glyph boxes)', () => {
    // Each character alone: real glyphs differ from one another; missing ones are the same .notdef box.
    const draw = (text: string): string => renderSvgPng(`<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" font-family="${FIGURE_FONT_FAMILY.replace(/'/g, '&apos;')}" font-size="28"><rect width="40" height="40" fill="#fff"/><text x="4" y="32">${text}</text></svg>`).png.toString('base64');
    const glyphs = ['书', '生', '浦', '语'].map(draw);
    expect(new Set(glyphs).size).toBe(4);
    const missing = draw('\uE000');
    for (const glyph of glyphs) expect(glyph).not.toBe(missing);
    expect(figureFonts().hasCjk).toBe(true);
  });

  it('still writes the PNG without a CJK font, and says why its CJK text shows as boxes', () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" fill="#fff"/><text x="4" y="30" font-size="24">书生</text></svg>`;
    const without = renderSvgPng(svg, 2, findFigureFonts([], LATIN_CANDIDATES));
    expect(without.note).toMatch(/no font with CJK glyphs found.*apt-get install fonts-noto-cjk.*GNOMON_FONT_FILE/);
    expect([without.width, without.height]).toEqual([160, 80]);
    expect(renderSvgPng(svg).note).toBeUndefined();
    expect(renderSvgPng(svg.replace('书生', 'abc'), 2, findFigureFonts([], LATIN_CANDIDATES)).note).toBeUndefined();
  });

  it('renders an HTML report that loads in headless Chromium without errors and filters cells on click', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-report-'));
    const records = await sweepRecords(dir);
    const withControl = records.map((r) => (r.key === '4096:30:0' ? { ...r, output: `code\u0007\u001b[31m ${r.output ?? ''}` } : r));
    writeNeedleReport(dir, withControl, { title: 'Needle: window-1500 on en', subtitle: ['model: window-1500 (scripted)'], facts: [['task', 'single'], ['haystack', 'en']], figure: LABELS }, 0.85);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/[\u0007\u001b]/);
    expect(html).toContain('<span class="ctl" title="control character U+0007">\\x07</span>');
    for (const file of ['heatmap.svg', 'heatmap.png', 'curve.svg', 'curve.png', 'summary.txt', 'summary.md', 'summary.csv', 'depths.csv', 'summary.json']) {
      expect(statSync(join(dir, file)).size).toBeGreaterThan(100);
    }
    const report = await openReport(join(dir, 'report.html'));
    try {
      const page = report.page;
      expect(await page.locator('.needle-heatmap .needle-cell').count()).toBe(55);
      expect(await page.locator('.needle-curve .effective-length').count()).toBe(1);
      expect(await page.textContent('#needle-count')).toBe('55 of 55 records');
      await page.locator('.needle-heatmap .needle-cell[data-length="4096"][data-depth="30"]').click();
      expect(await page.textContent('#needle-count')).toBe('1 of 55 records (length 4096, depth 30%)');
      // Highlighted, kept in the URL, and expanded to its prompt neighbourhood, question and output.
      expect(await page.locator('.needle-heatmap .needle-cell.selected').count()).toBe(1);
      expect(await page.evaluate(() => location.hash)).toBe('#cell=4096:30');
      const detail = page.locator('tr.needle-detail[data-length="4096"][data-depth="30"]');
      expect(await detail.isVisible()).toBe(true);
      expect(await detail.locator('mark').first().textContent()).toMatch(/^The secret code for .+ is \d{6}\.$/);
      expect(await detail.locator('.role-answer').count()).toBe(1);
      expect(await detail.textContent()).toContain('question What is the secret code for');
      // Status and score coloured apart: a finished cell that scored 0 is still a green "ok".
      const zero = page.locator('tr.needle-record[data-length="4096"][data-depth="30"]');
      expect(await zero.locator('.status-ok').textContent()).toBe('ok');
      expect(await zero.locator('td.score').textContent()).toBe('0.00');
      // Reopening the address selects the same cell.
      await page.reload();
      expect(await page.textContent('#needle-count')).toBe('1 of 55 records (length 4096, depth 30%)');
      expect(await page.locator('.needle-heatmap .needle-cell.selected[data-length="4096"][data-depth="30"]').count()).toBe(1);
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
