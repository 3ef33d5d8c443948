/**
 * Inline SVG charts for the contamination report: overlaid score histograms (benchmark vs
 * reference, each as a share of its own set so different set sizes compare) and accuracy bars with
 * 95% interval whiskers.
 */
import { escapeHtml } from '../html-page.js';

const BENCHMARK_COLOUR = '#2f6fb3';
const REFERENCE_COLOUR = '#d9822b';

function formatTick(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 0.01 || magnitude >= 1e4)) return value.toExponential(1);
  return value.toFixed(magnitude < 1 ? 3 : 2);
}

export interface HistogramInput {
  readonly title: string;
  readonly benchmark: readonly number[];
  readonly reference: readonly number[] | null;
  readonly bins?: number;
}

export function histogramSvg(input: HistogramInput): string {
  const width = 420;
  const height = 220;
  const left = 44;
  const right = 12;
  const top = 28;
  const bottom = 36;
  const all = [...input.benchmark, ...(input.reference ?? [])].filter(Number.isFinite);
  const title = `<text x="${left}" y="16" font-size="12" font-weight="600">${escapeHtml(input.title)}</text>`;
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="60" role="img">${title}<text x="${left}" y="40" font-size="11">no scores</text></svg>`;
  const bins = input.bins ?? 20;
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  const binOf = (v: number): number => Math.min(bins - 1, Math.floor(((v - min) / (max - min)) * bins));
  const shares = (values: readonly number[]): number[] => {
    const counts = new Array<number>(bins).fill(0);
    const finite = values.filter(Number.isFinite);
    for (const v of finite) counts[binOf(v)] = (counts[binOf(v)] ?? 0) + 1;
    return counts.map((c) => (finite.length ? c / finite.length : 0));
  };
  const series: [string, string, number[]][] = [['benchmark', BENCHMARK_COLOUR, shares(input.benchmark)]];
  if (input.reference) series.push(['reference', REFERENCE_COLOUR, shares(input.reference)]);
  const peak = Math.max(...series.flatMap(([, , s]) => s), 1e-9);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const barW = plotW / bins;
  const bars = series
    .map(([name, colour, s]) => s.map((share, i) => {
      const h = (share / peak) * plotH;
      return `<rect x="${(left + i * barW).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}" fill-opacity="0.5"><title>${name}: ${(share * 100).toFixed(1)}% in [${formatTick(min + (i * (max - min)) / bins)}, ${formatTick(min + ((i + 1) * (max - min)) / bins)})</title></rect>`;
    }).join(''))
    .join('');
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#888"/>`;
  const ticks = [0, 0.5, 1].map((f) => {
    const x = left + f * plotW;
    return `<text x="${x.toFixed(1)}" y="${top + plotH + 14}" font-size="10" text-anchor="${f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}">${formatTick(min + f * (max - min))}</text>`;
  }).join('');
  const yLabel = `<text x="${left - 4}" y="${top + 4}" font-size="10" text-anchor="end">${(peak * 100).toFixed(0)}%</text><text x="${left - 4}" y="${top + plotH}" font-size="10" text-anchor="end">0</text>`;
  const legend = series.map(([name, colour], i) => `<rect x="${left + i * 110}" y="${height - 14}" width="10" height="10" fill="${colour}" fill-opacity="0.6"/><text x="${left + 14 + i * 110}" y="${height - 5}" font-size="10">${name} (n=${i === 0 ? input.benchmark.length : (input.reference?.length ?? 0)})</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(input.title)}">${title}${bars}${axis}${ticks}${yLabel}${legend}</svg>`;
}

export interface AccuracyBar {
  readonly label: string;
  /** NaN when nothing was scored. */
  readonly rate: number;
  readonly low: number;
  readonly high: number;
  readonly scored: number;
  readonly questions: number;
}

export function accuracyBarsSvg(title: string, bars: readonly AccuracyBar[]): string {
  const barW = 84;
  const gap = 30;
  const left = 40;
  const top = 40;
  const plotH = 160;
  const width = Math.max(left + bars.length * (barW + gap) + 10, left + title.length * 7);
  const height = top + plotH + 62;
  const y = (v: number): number => top + plotH - v * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((v) => `<line x1="${left}" y1="${y(v)}" x2="${width - 10}" y2="${y(v)}" stroke="#e3e6ea"/><text x="${left - 4}" y="${y(v) + 3}" font-size="10" text-anchor="end">${(v * 100).toFixed(0)}%</text>`).join('');
  const body = bars.map((bar, i) => {
    const x = left + gap / 2 + i * (barW + gap);
    // Long labels ("input-and-label contamination") wrap onto lines of about 16 characters.
    const lines: string[] = [];
    for (const word of bar.label.split(/(?<=[ -])/)) {
      const last = lines[lines.length - 1];
      if (last !== undefined && (last + word).length <= 16) lines[lines.length - 1] = last + word;
      else lines.push(word);
    }
    const labelLines = lines.map((line, n) => `<tspan x="${x + barW / 2}" dy="${n === 0 ? 0 : 11}">${escapeHtml(line.trim())}</tspan>`).join('');
    const name = `<text x="${x + barW / 2}" y="${top + plotH + 14}" font-size="10" text-anchor="middle">${labelLines}</text><text x="${x + barW / 2}" y="${top + plotH + 16 + lines.length * 11}" font-size="10" text-anchor="middle" fill="#5b6673">${bar.scored}/${bar.questions} scored</text>`;
    if (!Number.isFinite(bar.rate)) return `${name}<text x="${x + barW / 2}" y="${y(0.1)}" font-size="10" text-anchor="middle" fill="#5b6673">no data</text>`;
    const colour = /dirty|contamination/.test(bar.label) ? '#b3261e' : bar.label === 'clean' ? '#1b7f3b' : '#8a96a3';
    return `<rect x="${x}" y="${y(bar.rate)}" width="${barW}" height="${y(0) - y(bar.rate)}" fill="${colour}" fill-opacity="0.75"><title>${escapeHtml(bar.label)}: ${(bar.rate * 100).toFixed(1)}% (95% CI ${(bar.low * 100).toFixed(1)}–${(bar.high * 100).toFixed(1)}%)</title></rect>` +
      `<line x1="${x + barW / 2}" y1="${y(bar.high)}" x2="${x + barW / 2}" y2="${y(bar.low)}" stroke="#1d232b"/><line x1="${x + barW / 2 - 8}" y1="${y(bar.high)}" x2="${x + barW / 2 + 8}" y2="${y(bar.high)}" stroke="#1d232b"/><line x1="${x + barW / 2 - 8}" y1="${y(bar.low)}" x2="${x + barW / 2 + 8}" y2="${y(bar.low)}" stroke="#1d232b"/>` +
      `<text x="${x + barW / 2}" y="${y(bar.high) - 4}" font-size="10" text-anchor="middle">${(bar.rate * 100).toFixed(1)}%</text>${name}`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}"><text x="${left}" y="16" font-size="12" font-weight="600">${escapeHtml(title)}</text>${grid}${body}</svg>`;
}
