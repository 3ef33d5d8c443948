/**
 * Mean score against context length, with the threshold line and the effective length (the
 * longest length whose mean is ≥ threshold). Lengths are placed on a log scale when they span a
 * factor of four or more (doubling sweeps), linearly otherwise. Lengths where every cell exceeded
 * the context are marked on the axis instead of drawn as zeros.
 */
import { formatTokenCount } from '../../harness/needle/grid.js';
import { escapeHtml } from '../html-page.js';
import type { NeedleSummary } from './needle-summary.js';
import { FIGURE_FONT_FAMILY } from './figure-fonts.js';
import { heatmapTitle, type FigureLabels } from './heatmap-layout.js';
import { formatScore } from './score-colour.js';

export function renderScoreCurveSvg(summary: NeedleSummary, options: { readonly labels: FigureLabels }): string {
  const { title: heatmapHeading, subtitle } = heatmapTitle(options.labels);
  const title = heatmapHeading.replace(/^Needle in a haystack/, 'Mean score by context length');
  const width = 720;
  const height = 360;
  const left = 64;
  const right = 200;
  const top = 56;
  const bottom = 56;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const lengths = summary.lengths;
  const low = lengths[0] ?? 1;
  const high = lengths[lengths.length - 1] ?? 1;
  const logScale = high / low >= 4;
  const xOf = (length: number): number => {
    if (high === low) return left + plotWidth / 2;
    const t = logScale ? Math.log(length / low) / Math.log(high / low) : (length - low) / (high - low);
    return left + t * plotWidth;
  };
  const yOf = (score: number): number => top + (1 - score) * plotHeight;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="needle-curve" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeHtml(FIGURE_FONT_FAMILY)}" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="${left}" y="22" font-size="14" font-weight="600">${escapeHtml(title)}</text>`);
  out.push(`<text x="${left}" y="40" fill="#444">${escapeHtml(subtitle)}</text>`);
  out.push(`<text class="axis-label" transform="translate(16 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#444">mean score (flagged cells left out)</text>`);
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${yOf(tick)}" y2="${yOf(tick)}" stroke="#e3e6ea"/>`);
    out.push(`<text x="${left - 6}" y="${yOf(tick) + 4}" text-anchor="end">${tick.toFixed(2)}</text>`);
  }
  for (const length of lengths) {
    out.push(`<text x="${xOf(length)}" y="${top + plotHeight + 16}" text-anchor="middle">${formatTokenCount(length)}</text>`);
  }
  out.push(`<text x="${left + plotWidth / 2}" y="${height - 12}" text-anchor="middle" fill="#444">context length (${escapeHtml(options.labels.lengthUnit ?? 'tokens')}${logScale ? ', log scale' : ''})</text>`);
  out.push(`<line class="threshold" x1="${left}" x2="${left + plotWidth}" y1="${yOf(summary.threshold)}" y2="${yOf(summary.threshold)}" stroke="#b3261e" stroke-dasharray="5 4"/>`);
  out.push(`<text x="${left + plotWidth}" y="${yOf(summary.threshold) - 5}" text-anchor="end" fill="#b3261e">threshold ${summary.threshold}</text>`);
  if (summary.effectiveLength !== null) {
    const x = xOf(summary.effectiveLength);
    out.push(`<line class="effective-length" x1="${x}" x2="${x}" y1="${top}" y2="${top + plotHeight}" stroke="#2f6fb3" stroke-dasharray="3 3"/>`);
    out.push(`<text x="${Math.min(x + 4, left + plotWidth - 150)}" y="${top + 12}" fill="#2f6fb3">effective length ${formatTokenCount(summary.effectiveLength)}</text>`);
  }
  const points = summary.byLength.filter((line) => line.mean !== null).map((line) => `${xOf(line.at).toFixed(1)},${yOf(line.mean ?? 0).toFixed(1)}`);
  if (points.length > 1) out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="#2f6fb3" stroke-width="2"/>`);
  for (const line of summary.byLength) {
    const x = xOf(line.at);
    if (line.mean !== null) {
      out.push(`<circle cx="${x}" cy="${yOf(line.mean)}" r="4" fill="#2f6fb3"><title>${formatTokenCount(line.at)}: ${formatScore(line.mean)} (${line.scored} cells)</title></circle>`);
    } else if (line.exceeded > 0) {
      out.push(`<text x="${x}" y="${top + plotHeight - 6}" text-anchor="middle" fill="#8a6d00">✕<title>${formatTokenCount(line.at)}: exceeds the model context</title></text>`);
    }
  }
  // Legend, right of the plot: what each mark means.
  const lx = left + plotWidth + 20;
  out.push(`<g class="curve-legend">`);
  out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${top + 8}" y2="${top + 8}" stroke="#2f6fb3" stroke-width="2"/><circle cx="${lx + 12}" cy="${top + 8}" r="4" fill="#2f6fb3"/><text x="${lx + 32}" y="${top + 12}">mean score per length</text>`);
  out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${top + 30}" y2="${top + 30}" stroke="#b3261e" stroke-dasharray="5 4"/><text x="${lx + 32}" y="${top + 34}">threshold ${summary.threshold}</text>`);
  out.push(`<line x1="${lx + 12}" x2="${lx + 12}" y1="${top + 44}" y2="${top + 60}" stroke="#2f6fb3" stroke-dasharray="3 3"/><text x="${lx + 32}" y="${top + 56}">effective length</text>`);
  out.push(`<text x="${lx + 6}" y="${top + 80}" fill="#8a6d00">✕</text><text x="${lx + 32}" y="${top + 80}">all cells over context</text>`);
  out.push('</g>');
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#999"/><line x1="${left}" x2="${left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#999"/>`);
  out.push('</svg>');
  return out.join('\n');
}
