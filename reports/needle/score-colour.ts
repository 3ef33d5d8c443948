/** The heatmap's red → yellow → green scale (0 → 1), shared by the SVG and PNG renderers. */

export type Rgb = readonly [number, number, number];

const RED: Rgb = [215, 48, 39];
const YELLOW: Rgb = [254, 224, 139];
const GREEN: Rgb = [26, 152, 80];
export const EXCEEDED_FILL: Rgb = [236, 236, 236];
export const HATCH: Rgb = [150, 150, 150];
export const ERROR_FILL: Rgb = [190, 190, 190];

export function scoreColour(score: number): Rgb {
  const t = Math.min(1, Math.max(0, score));
  const [from, to, u] = t < 0.5 ? [RED, YELLOW, t / 0.5] : [YELLOW, GREEN, (t - 0.5) / 0.5];
  const mix = (i: 0 | 1 | 2): number => Math.round(from[i] + (to[i] - from[i]) * u);
  return [mix(0), mix(1), mix(2)];
}

export function cssColour(rgb: Rgb): string {
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

/** Dark text on light fills, white on dark ones (relative luminance). */
export function textColour(rgb: Rgb): Rgb {
  const luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  return luminance > 0.55 ? [17, 17, 17] : [255, 255, 255];
}

/** Cell label: two decimals, as NeedleBench's heatmaps show percentages with one. */
export function formatScore(score: number): string {
  return score.toFixed(2);
}
