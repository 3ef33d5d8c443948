/**
 * The needle heatmap as PNG (pngjs), the same picture as the SVG for places that do not render SVG
 * (chat, slides, issue trackers). Text is drawn with the built-in 5×7 bitmap font; exceeded-context
 * cells get diagonal hatching.
 */
import { PNG } from 'pngjs';
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
import { heatmapLayout } from './heatmap-layout.js';
import type { NeedleSummary } from './needle-summary.js';
import { ERROR_FILL, EXCEEDED_FILL, formatScore, HATCH, scoreColour, textColour, type Rgb } from './score-colour.js';

class Canvas {
  readonly png: PNG;

  constructor(width: number, height: number) {
    this.png = new PNG({ width, height });
    this.png.data.fill(255);
  }

  plot(x: number, y: number, rgb: Rgb): void {
    if (x < 0 || y < 0 || x >= this.png.width || y >= this.png.height) return;
    const at = (y * this.png.width + x) * 4;
    this.png.data[at] = rgb[0];
    this.png.data[at + 1] = rgb[1];
    this.png.data[at + 2] = rgb[2];
    this.png.data[at + 3] = 255;
  }

  fill(x: number, y: number, width: number, height: number, colour: (px: number, py: number) => Rgb): void {
    for (let py = y; py < y + height; py += 1) for (let px = x; px < x + width; px += 1) this.plot(px, py, colour(px, py));
  }

  /** Text centred on (cx, cy), or right-aligned to cx when `align` is 'right'. */
  text(text: string, cx: number, cy: number, rgb: Rgb, scale = 1, align: 'center' | 'right' | 'left' = 'center'): void {
    const width = textWidth(text, scale);
    const x = align === 'center' ? Math.round(cx - width / 2) : align === 'right' ? cx - width : cx;
    drawText(text, x, Math.round(cy - (GLYPH_HEIGHT * scale) / 2), scale, (px, py) => this.plot(px, py, rgb));
  }
}

const INK: Rgb = [30, 30, 30];
const MUTED: Rgb = [80, 80, 80];

export function renderHeatmapPng(summary: NeedleSummary, title = 'Needle in a haystack'): Buffer {
  const layout = heatmapLayout(summary, title);
  const canvas = new Canvas(layout.width, layout.height);
  const { cellWidth: w, cellHeight: h, left, top } = layout;
  canvas.text(title, left, 20, INK, 2, 'left');
  summary.cells.forEach((row, depthIndex) => {
    row.forEach((cell, lengthIndex) => {
      const x = left + lengthIndex * w;
      const y = top + depthIndex * h;
      // One white pixel between cells, as the SVG's white stroke.
      if (cell.mean !== null) {
        const fill = scoreColour(cell.mean);
        canvas.fill(x + 1, y + 1, w - 2, h - 2, () => fill);
        canvas.text(formatScore(cell.mean), x + w / 2, y + h / 2, textColour(fill), 2);
      } else if (cell.exceeded > 0) {
        canvas.fill(x + 1, y + 1, w - 2, h - 2, (px, py) => ((px + py) % 8 < 2 ? HATCH : EXCEEDED_FILL));
      } else {
        canvas.fill(x + 1, y + 1, w - 2, h - 2, () => ERROR_FILL);
        canvas.text(cell.errors > 0 ? 'err' : '-', x + w / 2, y + h / 2, INK, 2);
      }
    });
  });
  layout.depthLabels.forEach((label, index) => canvas.text(label, left - 8, top + index * h + h / 2, INK, 1, 'right'));
  const gridBottom = top + summary.depths.length * h;
  layout.lengthLabels.forEach((label, index) => canvas.text(label, left + index * w + w / 2, gridBottom + 12, INK, 1));
  canvas.text('context length (tokens)', left + (summary.lengths.length * w) / 2, gridBottom + 36, MUTED, 1);
  canvas.text('depth %', 4, top - 12, MUTED, 1, 'left');
  const { legend } = layout;
  canvas.fill(legend.x, legend.y, legend.width, legend.height, (_px, py) => scoreColour(1 - (py - legend.y) / Math.max(1, legend.height - 1)));
  canvas.text('1', legend.x + legend.width + 4, legend.y + 4, INK, 1, 'left');
  canvas.text('0', legend.x + legend.width + 4, legend.y + legend.height - 4, INK, 1, 'left');
  return PNG.sync.write(canvas.png);
}
