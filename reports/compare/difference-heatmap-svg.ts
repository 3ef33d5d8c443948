/**
 * The difference of two needle heatmaps (B − A per cell) on the needle heatmap's own layout
 * (reports/needle/heatmap-layout.ts), so it lines up with the two maps beside it: blue where B scores
 * higher, red where lower, white where equal; cells either run did not score are grey with the reason.
 */
import { escapeHtml } from '../html-page.js';
import { heatmapLayout, type FigureLabels } from '../needle/heatmap-layout.js';
import type { NeedleSummary } from '../needle/needle-summary.js';
import { cssColour, textColour, type Rgb } from '../needle/score-colour.js';

const WHITE: Rgb = [247, 247, 247];
const BLUE: Rgb = [33, 102, 172];
const RED: Rgb = [178, 24, 43];

/** Diverging scale over [−1, 1]. */
export function differenceColour(delta: number): Rgb {
  const t = Math.min(1, Math.abs(delta));
  const to = delta >= 0 ? BLUE : RED;
  const mix = (i: 0 | 1 | 2): number => Math.round(WHITE[i] + (to[i] - WHITE[i]) * t);
  return [mix(0), mix(1), mix(2)];
}

/** Cell value of B − A, or why there is none. */
export function cellDifference(a: NeedleSummary, b: NeedleSummary, length: number, depth: number): number | string {
  const find = (s: NeedleSummary) => s.cells[s.depths.indexOf(depth)]?.[s.lengths.indexOf(length)];
  const x = find(a);
  const y = find(b);
  if (!x || !y) return 'not in both';
  if (x.mean === null || y.mean === null) return (x.exceeded > 0 || y.exceeded > 0) ? 'ctx' : 'n/a';
  return y.mean - x.mean;
}

export function renderDifferenceHeatmapSvg(a: NeedleSummary, b: NeedleSummary, labels: FigureLabels): string {
  const lengths = [...new Set([...a.lengths, ...b.lengths])].sort((x, y) => x - y);
  const depths = [...new Set([...a.depths, ...b.depths])].sort((x, y) => x - y);
  // The layout needs only the axes of a summary.
  const layout = heatmapLayout({ ...a, lengths, depths }, labels);
  const { cellWidth: w, cellHeight: h, left, top } = layout;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="needle-difference" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<defs><linearGradient id="difference-scale" x1="0" y1="1" x2="0" y2="0"><stop offset="0" stop-color="${cssColour(differenceColour(-1))}"/><stop offset="0.5" stop-color="${cssColour(differenceColour(0))}"/><stop offset="1" stop-color="${cssColour(differenceColour(1))}"/></linearGradient></defs>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="${left}" y="22" font-size="14" font-weight="600">${escapeHtml(labels.model)}</text>`,
  ];
  depths.forEach((depth, row) => {
    lengths.forEach((length, column) => {
      const x = left + column * w;
      const y = top + row * h;
      const delta = cellDifference(a, b, length, depth);
      const label = typeof delta === 'number' ? `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}` : delta;
      const fill: Rgb = typeof delta === 'number' ? differenceColour(delta) : [190, 190, 190];
      out.push(`<rect class="difference-cell" data-length="${length}" data-depth="${depth}" data-delta="${typeof delta === 'number' ? delta : ''}" x="${x}" y="${y}" width="${w}" height="${h}" fill="${cssColour(fill)}" stroke="#fff"><title>${escapeHtml(`length ${length}, depth ${depth}%: B − A = ${label}`)}</title></rect>`);
      out.push(`<text x="${x + w / 2}" y="${y + h / 2 + 4}" text-anchor="middle" fill="${cssColour(textColour(fill))}" pointer-events="none">${escapeHtml(label)}</text>`);
    });
  });
  layout.depthLabels.forEach((label, index) => out.push(`<text x="${left - 8}" y="${top + index * h + h / 2 + 4}" text-anchor="end">${escapeHtml(label)}</text>`));
  layout.lengthLabels.forEach((label, index) => out.push(`<text x="${left + index * w + w / 2}" y="${top + depths.length * h + 16}" text-anchor="middle">${escapeHtml(label)}</text>`));
  const { legend } = layout;
  out.push(`<rect x="${legend.x}" y="${legend.y}" width="${legend.width}" height="${legend.height}" fill="url(#difference-scale)" stroke="#999"/>`);
  out.push(`<text x="${legend.x + legend.width + 4}" y="${legend.y + 10}">+1</text><text x="${legend.x + legend.width + 4}" y="${legend.y + legend.height}">−1</text>`);
  out.push('</svg>');
  return out.join('\n');
}
