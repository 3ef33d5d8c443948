/**
 * Geometry and labels of the needle heatmap (heatmap.svg; heatmap.png is rendered from the same SVG):
 * x = context length (columns, ascending), y = depth (rows, 0% at the top as in the original
 * needle-in-a-haystack plots), a two-line title naming model, task, haystack, compat and date, and a
 * legend on the right (colour scale, over-context, error and flagged cells).
 */
import { formatTokenCount } from '../../harness/needle/grid.js';
import type { NeedleSummary } from './needle-summary.js';

/** What a figure shows, for its title (so an en and a zh heatmap are never the same picture). */
export interface FigureLabels {
  readonly model: string;
  readonly task: string;
  readonly haystack: string;
  /** `gnomon` or e.g. `NeedleBench v2 (4k)`. */
  readonly compat: string;
  /** ISO date of the run. */
  readonly date: string;
  /** Unit of the length axis (default: the model's tokens). */
  readonly lengthUnit?: string;
}

export interface HeatmapLayout {
  readonly width: number;
  readonly height: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  /** Top-left corner of the grid. */
  readonly left: number;
  readonly top: number;
  readonly legend: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Top of the swatches (over context, error, flagged) under the colour bar. */
  readonly swatchesTop: number;
  readonly lengthLabels: readonly string[];
  readonly depthLabels: readonly string[];
  readonly title: string;
  readonly subtitle: string;
}

export const TITLE_SIZE = 15;
export const TEXT_SIZE = 12;

/** Width of text in px at `size`: CJK and other wide characters a full em, the rest about 0.6 em. */
export function textWidth(text: string, size: number): number {
  let ems = 0;
  for (const char of text) ems += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(char) ? 1 : 0.6;
  return Math.ceil(ems * size);
}

export function heatmapTitle(labels: FigureLabels): { title: string; subtitle: string } {
  return {
    title: `Needle in a haystack — ${labels.model}`,
    subtitle: `task ${labels.task} · haystack ${labels.haystack} · ${labels.compat} · ${labels.date}`,
  };
}

export function heatmapLayout(summary: NeedleSummary, labels: FigureLabels): HeatmapLayout {
  const { title, subtitle } = heatmapTitle(labels);
  const cellWidth = 64;
  const cellHeight = 26;
  const left = 72;
  const top = 64;
  const gridWidth = cellWidth * Math.max(1, summary.lengths.length);
  const gridHeight = cellHeight * Math.max(1, summary.depths.length);
  const legend = { x: left + gridWidth + 28, y: top, width: 16, height: Math.min(gridHeight, 160) };
  const swatchesTop = legend.y + legend.height + 24;
  const legendWidth = 16 + 8 + textWidth('depth off by > 1 point (not in effective length)', TEXT_SIZE);
  return {
    width: Math.max(legend.x + legendWidth + 16, left + textWidth(title, TITLE_SIZE) + 16, left + textWidth(subtitle, TEXT_SIZE) + 16),
    height: Math.max(top + gridHeight + 56, swatchesTop + 3 * 24 + 8),
    cellWidth,
    cellHeight,
    left,
    top,
    legend,
    swatchesTop,
    lengthLabels: summary.lengths.map(formatTokenCount),
    depthLabels: summary.depths.map((depth) => `${Number(depth.toFixed(1))}`),
    title,
    subtitle,
  };
}
