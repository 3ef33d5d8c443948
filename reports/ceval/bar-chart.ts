/**
 * Per-subject accuracy as an inline SVG: one horizontal bar per subject with its 95% interval as an
 * error bar, a dashed line at chance (25% for four options) and one at the run's mean.
 */
import { escapeHtml } from '../html-page.js';

export interface ChartBar {
  readonly label: string;
  /** Percent. */
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly count: number;
}

const ROW = 18;
const LABEL_WIDTH = 300;
const PLOT_WIDTH = 520;
const TOP = 34;

export function accuracyBarChart(bars: readonly ChartBar[], mean: number | undefined, title: string): string {
  const height = TOP + bars.length * ROW + 30;
  const x = (percent: number): number => LABEL_WIDTH + (PLOT_WIDTH * Math.max(0, Math.min(100, percent))) / 100;
  const parts: string[] = [];
  for (const tick of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${x(tick)}" y1="${TOP - 4}" x2="${x(tick)}" y2="${height - 26}" stroke="#e3e7eb"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 12}" text-anchor="middle" font-size="11" fill="#5b6673">${tick}%</text>`);
  }
  bars.forEach((bar, index) => {
    const y = TOP + index * ROW;
    const tip = `${bar.label}: ${bar.value.toFixed(1)}% (95% CI ${bar.low.toFixed(1)}–${bar.high.toFixed(1)}, n=${bar.count})`;
    parts.push(`<g class="bar"><title>${escapeHtml(tip)}</title>`);
    parts.push(`<text x="${LABEL_WIDTH - 6}" y="${y + 12}" text-anchor="end" font-size="11" fill="#1d232b">${escapeHtml(bar.label)}</text>`);
    if (!Number.isNaN(bar.value)) {
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${(x(bar.value) - LABEL_WIDTH).toFixed(1)}" height="${ROW - 6}" fill="#6c9bd2"/>`);
      const mid = y + ROW / 2;
      parts.push(`<line class="error-bar" x1="${x(bar.low).toFixed(1)}" y1="${mid}" x2="${x(bar.high).toFixed(1)}" y2="${mid}" stroke="#1d232b" stroke-width="1.2"/>`);
      for (const end of [bar.low, bar.high]) parts.push(`<line x1="${x(end).toFixed(1)}" y1="${mid - 4}" x2="${x(end).toFixed(1)}" y2="${mid + 4}" stroke="#1d232b" stroke-width="1.2"/>`);
    }
    parts.push('</g>');
  });
  const guide = (percent: number, colour: string, label: string, labelY: number): void => {
    parts.push(`<line x1="${x(percent)}" y1="${TOP - 4}" x2="${x(percent)}" y2="${height - 26}" stroke="${colour}" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x(percent) + 3}" y="${labelY}" font-size="11" fill="${colour}">${escapeHtml(label)}</text>`);
  };
  guide(25, '#b3261e', 'chance 25%', TOP - 8);
  if (mean !== undefined && !Number.isNaN(mean)) guide(mean, '#1b7f3b', `mean ${mean.toFixed(1)}%`, TOP - 19);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH + PLOT_WIDTH + 40}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`
    + `<title>${escapeHtml(title)}</title>${parts.join('')}</svg>`;
}
