/**
 * Heatmap colour scales (0 → 1), shared by the SVG (and so the PNG rendered from it) and the HTML.
 *
 * - `viridis` (default): perceptually uniform and readable with every common colour-vision
 *   deficiency and in greyscale — dark purple 0 → teal → yellow 1.
 * - `red-green`: the classic red → yellow → green of needle-in-a-haystack plots, for readers who
 *   expect it; not safe for red-green colour blindness.
 */
export type Rgb = readonly [number, number, number];

export const PALETTES = ['viridis', 'red-green'] as const;
export type Palette = (typeof PALETTES)[number];

const STOPS: Readonly<Record<Palette, readonly Rgb[]>> = {
  // matplotlib's viridis at 0, .25, .5, .75, 1.
  viridis: [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
  'red-green': [[215, 48, 39], [254, 224, 139], [26, 152, 80]],
};

export const EXCEEDED_FILL: Rgb = [236, 236, 236];
export const HATCH: Rgb = [150, 150, 150];
export const ERROR_FILL: Rgb = [190, 190, 190];
/** Outline and corner mark of cells whose needle missed its depth by more than the tolerance. */
export const FLAG_MARK: Rgb = [214, 39, 40];

export function scoreColour(score: number, palette: Palette = 'viridis'): Rgb {
  const stops = STOPS[palette];
  const t = Math.min(1, Math.max(0, score)) * (stops.length - 1);
  const index = Math.min(stops.length - 2, Math.floor(t));
  const from = stops[index] as Rgb;
  const to = stops[index + 1] as Rgb;
  const u = t - index;
  const mix = (i: 0 | 1 | 2): number => Math.round(from[i] + (to[i] - from[i]) * u);
  return [mix(0), mix(1), mix(2)];
}

/** Gradient stops for a legend bar: offset in [0, 1] and colour. */
export function paletteStops(palette: Palette): { offset: number; colour: Rgb }[] {
  const stops = STOPS[palette];
  return stops.map((colour, index) => ({ offset: index / (stops.length - 1), colour }));
}

export function cssColour(rgb: Rgb): string {
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

/** Dark text on light fills, white on dark ones (relative luminance). */
export function textColour(rgb: Rgb): Rgb {
  const luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
  return luminance > 0.5 ? [17, 17, 17] : [255, 255, 255];
}

/** Cell label: two decimals. */
export function formatScore(score: number): string {
  return score.toFixed(2);
}
