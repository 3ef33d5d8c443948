/** The needle heatmap as SVG: value in each cell, exceeded-context cells hatched, errors grey. */
import { escapeHtml } from '../html-page.js';
import { heatmapLayout } from './heatmap-layout.js';
import type { NeedleSummary } from './needle-summary.js';
import { cssColour, ERROR_FILL, EXCEEDED_FILL, formatScore, HATCH, scoreColour, textColour } from './score-colour.js';

export function renderHeatmapSvg(summary: NeedleSummary, title = 'Needle in a haystack'): string {
  const layout = heatmapLayout(summary, title);
  const { cellWidth: w, cellHeight: h, left, top } = layout;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="needle-heatmap" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<defs><pattern id="needle-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${cssColour(EXCEEDED_FILL)}"/><line x1="0" y1="0" x2="0" y2="8" stroke="${cssColour(HATCH)}" stroke-width="3"/></pattern>`);
  out.push(`<linearGradient id="needle-scale" x1="0" y1="1" x2="0" y2="0"><stop offset="0" stop-color="${cssColour(scoreColour(0))}"/><stop offset="0.5" stop-color="${cssColour(scoreColour(0.5))}"/><stop offset="1" stop-color="${cssColour(scoreColour(1))}"/></linearGradient></defs>`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="${left}" y="22" font-size="14" font-weight="600">${escapeHtml(title)}</text>`);
  summary.cells.forEach((row, depthIndex) => {
    row.forEach((cell, lengthIndex) => {
      const x = left + lengthIndex * w;
      const y = top + depthIndex * h;
      const tip = `length ${layout.lengthLabels[lengthIndex]} (actual ${cell.lengthActual === null ? '—' : Math.round(cell.lengthActual)}), depth ${cell.depth}% (actual ${cell.depthActual === null ? '—' : cell.depthActual.toFixed(1)}%): ` +
        (cell.mean !== null ? `score ${formatScore(cell.mean)} over ${cell.scored}` : cell.exceeded > 0 ? 'exceeds the model context' : cell.errors > 0 ? 'error' : 'not run');
      const attributes = `class="needle-cell" data-length="${cell.length}" data-depth="${cell.depth}" x="${x}" y="${y}" width="${w}" height="${h}" stroke="#fff" stroke-width="1"`;
      if (cell.mean !== null) {
        const fill = scoreColour(cell.mean);
        out.push(`<rect ${attributes} fill="${cssColour(fill)}"><title>${escapeHtml(tip)}</title></rect>`);
        out.push(`<text x="${x + w / 2}" y="${y + h / 2 + 4}" text-anchor="middle" fill="${cssColour(textColour(fill))}" pointer-events="none">${formatScore(cell.mean)}</text>`);
      } else if (cell.exceeded > 0) {
        out.push(`<rect ${attributes} fill="url(#needle-hatch)"><title>${escapeHtml(tip)}</title></rect>`);
      } else {
        out.push(`<rect ${attributes} fill="${cssColour(ERROR_FILL)}"><title>${escapeHtml(tip)}</title></rect>`);
        out.push(`<text x="${x + w / 2}" y="${y + h / 2 + 4}" text-anchor="middle" fill="#333" pointer-events="none">${cell.errors > 0 ? 'err' : '—'}</text>`);
      }
    });
  });
  layout.depthLabels.forEach((label, index) => {
    out.push(`<text x="${left - 8}" y="${top + index * h + h / 2 + 4}" text-anchor="end">${escapeHtml(label)}</text>`);
  });
  layout.lengthLabels.forEach((label, index) => {
    out.push(`<text x="${left + index * w + w / 2}" y="${top + summary.depths.length * h + 16}" text-anchor="middle">${escapeHtml(label)}</text>`);
  });
  const gridBottom = top + summary.depths.length * h;
  out.push(`<text x="${left + (summary.lengths.length * w) / 2}" y="${gridBottom + 40}" text-anchor="middle" fill="#444">context length (tokens)</text>`);
  out.push(`<text transform="translate(16 ${top + (summary.depths.length * h) / 2}) rotate(-90)" text-anchor="middle" fill="#444">needle depth (%)</text>`);
  const { legend } = layout;
  out.push(`<rect x="${legend.x}" y="${legend.y}" width="${legend.width}" height="${legend.height}" fill="url(#needle-scale)" stroke="#999"/>`);
  out.push(`<text x="${legend.x + legend.width + 4}" y="${legend.y + 10}">1</text><text x="${legend.x + legend.width + 4}" y="${legend.y + legend.height}">0</text>`);
  out.push('</svg>');
  return out.join('\n');
}
