/**
 * The needle heatmap as SVG — the source of heatmap.png too (heatmap-png.ts renders this very SVG),
 * so the two never disagree. Each cell shows its mean score on the palette's colour; over-context
 * cells are hatched, failed cells grey, and cells whose needle missed its depth by more than the
 * tolerance get a red outline and corner mark; the legend names all three.
 */
import { escapeHtml } from '../html-page.js';
import { FIGURE_FONT_FAMILY } from './figure-fonts.js';
import { heatmapLayout, TEXT_SIZE, TITLE_SIZE, type FigureLabels } from './heatmap-layout.js';
import type { NeedleSummary } from './needle-summary.js';
import { cssColour, ERROR_FILL, EXCEEDED_FILL, FLAG_MARK, formatScore, HATCH, paletteStops, scoreColour, textColour, type Palette } from './score-colour.js';

export interface HeatmapOptions {
  readonly labels: FigureLabels;
  readonly palette?: Palette;
}

export function renderHeatmapSvg(summary: NeedleSummary, options: HeatmapOptions): string {
  const palette = options.palette ?? 'viridis';
  const layout = heatmapLayout(summary, options.labels);
  const { cellWidth: w, cellHeight: h, left, top } = layout;
  const flag = cssColour(FLAG_MARK);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="needle-heatmap" data-palette="${palette}" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="${escapeHtml(FIGURE_FONT_FAMILY)}" font-size="${TEXT_SIZE}">`);
  out.push(`<defs><pattern id="needle-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${cssColour(EXCEEDED_FILL)}"/><line x1="0" y1="0" x2="0" y2="8" stroke="${cssColour(HATCH)}" stroke-width="3"/></pattern>`);
  out.push(`<linearGradient id="needle-scale" x1="0" y1="1" x2="0" y2="0">${paletteStops(palette).map((stop) => `<stop offset="${stop.offset}" stop-color="${cssColour(stop.colour)}"/>`).join('')}</linearGradient></defs>`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text class="needle-title" x="${left}" y="24" font-size="${TITLE_SIZE}" font-weight="600">${escapeHtml(layout.title)}</text>`);
  out.push(`<text class="needle-subtitle" x="${left}" y="44" fill="#444">${escapeHtml(layout.subtitle)}</text>`);
  summary.cells.forEach((row, depthIndex) => {
    row.forEach((cell, lengthIndex) => {
      const x = left + lengthIndex * w;
      const y = top + depthIndex * h;
      const flagged = cell.flagged > 0;
      const tip = `length ${layout.lengthLabels[lengthIndex]} (actual ${cell.lengthActual === null ? '—' : Math.round(cell.lengthActual)}), depth ${cell.depth}% (actual ${cell.depthActual === null ? '—' : cell.depthActual.toFixed(2)}%): ` +
        (cell.mean !== null ? `score ${formatScore(cell.mean)} over ${cell.scored}` : cell.exceeded > 0 ? 'exceeds the model context, not run' : cell.errors > 0 ? 'error' : 'not run') +
        (flagged ? `; ${cell.flagged} needle(s) more than 1 point off their depth, left out of the effective length` : '');
      const attributes = `class="needle-cell${flagged ? ' flagged' : ''}" data-length="${cell.length}" data-depth="${cell.depth}" x="${x}" y="${y}" width="${w}" height="${h}" stroke="#fff" stroke-width="1"`;
      if (cell.mean !== null) {
        const fill = scoreColour(cell.mean, palette);
        out.push(`<rect ${attributes} fill="${cssColour(fill)}"><title>${escapeHtml(tip)}</title></rect>`);
        out.push(`<text x="${x + w / 2}" y="${y + h / 2 + 4}" text-anchor="middle" fill="${cssColour(textColour(fill))}" pointer-events="none">${formatScore(cell.mean)}</text>`);
      } else if (cell.exceeded > 0) {
        out.push(`<rect ${attributes} fill="url(#needle-hatch)"><title>${escapeHtml(tip)}</title></rect>`);
      } else {
        out.push(`<rect ${attributes} fill="${cssColour(ERROR_FILL)}"><title>${escapeHtml(tip)}</title></rect>`);
        out.push(`<text x="${x + w / 2}" y="${y + h / 2 + 4}" text-anchor="middle" fill="#222" pointer-events="none">${cell.errors > 0 ? 'err' : '—'}</text>`);
      }
      if (flagged) {
        out.push(`<rect class="needle-flag" x="${x + 1.5}" y="${y + 1.5}" width="${w - 3}" height="${h - 3}" fill="none" stroke="${flag}" stroke-width="2" stroke-dasharray="4 2" pointer-events="none"/>`);
        out.push(`<path d="M${x + w - 11} ${y + 1}h10v10z" fill="${flag}" pointer-events="none"/>`);
      }
    });
  });
  layout.depthLabels.forEach((label, index) => {
    out.push(`<text x="${left - 8}" y="${top + index * h + h / 2 + 4}" text-anchor="end">${escapeHtml(label)}</text>`);
  });
  const gridBottom = top + summary.depths.length * h;
  layout.lengthLabels.forEach((label, index) => {
    out.push(`<text x="${left + index * w + w / 2}" y="${gridBottom + 16}" text-anchor="middle">${escapeHtml(label)}</text>`);
  });
  out.push(`<text x="${left + (summary.lengths.length * w) / 2}" y="${gridBottom + 40}" text-anchor="middle" fill="#444">context length (${escapeHtml(options.labels.lengthUnit ?? 'tokens')})</text>`);
  out.push(`<text transform="translate(18 ${top + (summary.depths.length * h) / 2}) rotate(-90)" text-anchor="middle" fill="#444">needle depth (%)</text>`);
  const { legend } = layout;
  out.push(`<g class="needle-legend">`);
  out.push(`<rect x="${legend.x}" y="${legend.y}" width="${legend.width}" height="${legend.height}" fill="url(#needle-scale)" stroke="#999"/>`);
  out.push(`<text x="${legend.x + legend.width + 6}" y="${legend.y + 10}">1 (found)</text><text x="${legend.x + legend.width + 6}" y="${legend.y + legend.height}">0 (missed)</text>`);
  const swatch = (index: number, fill: string, label: string, extra = ''): void => {
    const y = layout.swatchesTop + index * 24;
    out.push(`<rect x="${legend.x}" y="${y}" width="16" height="16" fill="${fill}" stroke="#999"/>${extra.replace(/\{x\}/g, String(legend.x)).replace(/\{y\}/g, String(y))}<text x="${legend.x + 24}" y="${y + 12}">${escapeHtml(label)}</text>`);
  };
  swatch(0, 'url(#needle-hatch)', 'exceeds the model context (not run)');
  swatch(1, cssColour(ERROR_FILL), 'error (see the cell table)');
  swatch(2, '#fff', 'depth off by > 1 point (not in effective length)', `<rect x="{x}" y="{y}" width="16" height="16" fill="none" stroke="${flag}" stroke-width="2" stroke-dasharray="4 2"/>`);
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}
