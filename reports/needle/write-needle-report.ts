/** Writes a needle run's report files next to its records: heatmap.svg/.png, curve.svg/.png, summary.*, report.html. */
import { readRunHeader, runHeaderHtml } from '../run-header.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NeedleRecord } from '../../harness/needle/needle-record.js';
import { renderSvgPng } from './heatmap-png.js';
import { renderHeatmapSvg } from './heatmap-svg.js';
import { renderNeedleReport, type NeedleReportContext } from './needle-report.js';
import { summariseNeedleRecords, type NeedleSummary } from './needle-summary.js';
import { cellRows, gridRows, lineRows, summaryJson, summaryText, toCsv, toMarkdown } from './needle-tables.js';
import { renderScoreCurveSvg } from './score-curve-svg.js';
import { formatTokenCount } from '../../harness/needle/grid.js';

export interface WrittenNeedleReport {
  readonly summary: NeedleSummary;
  readonly files: readonly string[];
  /** heatmap.png's size in pixels, and why its CJK text shows as boxes when no CJK font was found. */
  readonly png: { readonly width: number; readonly height: number; readonly note?: string };
}

export function writeNeedleReport(dir: string, records: readonly NeedleRecord[], context: NeedleReportContext, threshold: number): WrittenNeedleReport {
  const summary = summariseNeedleRecords(records, threshold);
  const heatmap = renderHeatmapSvg(summary, { labels: context.figure, ...(context.palette ? { palette: context.palette } : {}) });
  const png = renderSvgPng(heatmap);
  const curve = renderScoreCurveSvg(summary, { labels: context.figure });
  const outputs: [string, string | Buffer][] = [
    ['heatmap.svg', heatmap],
    ['heatmap.png', png.png],
    ['curve.svg', curve],
    ['curve.png', renderSvgPng(curve).png],
    ['summary.txt', summaryText(summary)],
    ['summary.md', `${toMarkdown(gridRows(summary))}\n${toMarkdown(lineRows(summary.byLength, 'length', formatTokenCount))}\n${toMarkdown(lineRows(summary.byDepth, 'depth %', String))}`],
    ['summary.csv', toCsv(gridRows(summary, true))],
    ['cells.csv', toCsv(cellRows(summary))],
    ['depths.csv', toCsv(lineRows(summary.byDepth, 'depth %', String, ''))],
    ['lengths.csv', toCsv(lineRows(summary.byLength, 'length', String, ''))],
    ['summary.json', summaryJson(summary)],
    ['report.html', renderNeedleReport(summary, records, { ...context, runHeader: runHeaderHtml(readRunHeader(dir, 'needle')) })],
  ];
  for (const [name, content] of outputs) writeFileSync(join(dir, name), content);
  return { summary, files: outputs.map(([name]) => join(dir, name)), png: { width: png.width, height: png.height, ...(png.note ? { note: png.note } : {}) } };
}
