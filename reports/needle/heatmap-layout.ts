/**
 * Geometry of the needle heatmap, shared by the SVG and the PNG so both draw the same picture:
 * x = context length (columns, ascending), y = depth (rows, 0% at the top as in the original
 * needle-in-a-haystack plots), a colour legend on the right.
 */
import { formatTokenCount } from '../../harness/needle/grid.js';
import type { NeedleSummary } from './needle-summary.js';

export interface HeatmapLayout {
  readonly width: number;
  readonly height: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  /** Top-left corner of the grid. */
  readonly left: number;
  readonly top: number;
  readonly legend: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly lengthLabels: readonly string[];
  readonly depthLabels: readonly string[];
  readonly title: string;
}

export function heatmapLayout(summary: NeedleSummary, title: string): HeatmapLayout {
  const cellWidth = 64;
  const cellHeight = 26;
  const left = 64;
  const top = 40;
  const gridWidth = cellWidth * Math.max(1, summary.lengths.length);
  const gridHeight = cellHeight * Math.max(1, summary.depths.length);
  const legend = { x: left + gridWidth + 24, y: top, width: 16, height: gridHeight };
  return {
    // Wide enough for the title too (the PNG's bitmap font advances 12 px per character at scale 2).
    width: Math.max(legend.x + legend.width + 48, left + title.length * 12 + 16),
    height: top + gridHeight + 56,
    cellWidth,
    cellHeight,
    left,
    top,
    legend,
    lengthLabels: summary.lengths.map(formatTokenCount),
    depthLabels: summary.depths.map((depth) => `${Number(depth.toFixed(1))}`),
    title,
  };
}
