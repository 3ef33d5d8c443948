/**
 * Fonts for the PNG figures. resvg draws text only with fonts it is given, so the heatmap's labels —
 * model names with Chinese characters included — need a font with CJK glyphs: Noto Sans CJK (Debian
 * `fonts-noto-cjk`), else WenQuanYi or Droid Sans Fallback, with DejaVu Sans / Liberation Sans for
 * Latin text. `GNOMON_FONT_FILE` (a .ttf/.otf/.ttc path) is tried first. When no CJK font exists,
 * the figure is still written and `cjkNote` says why CJK characters show as boxes and how to fix it.
 */
import { existsSync } from 'node:fs';

const CJK_CANDIDATES = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf',
  '/System/Library/Fonts/PingFang.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
];

export const LATIN_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/System/Library/Fonts/Helvetica.ttc',
];

/** The font-family list the SVG figures name (browsers pick from it; resvg from the files below). */
export const FIGURE_FONT_FAMILY = "'Noto Sans CJK SC', 'DejaVu Sans', 'Liberation Sans', 'WenQuanYi Micro Hei', 'Droid Sans Fallback', system-ui, sans-serif";

export interface FigureFonts {
  /** Latin fonts, always loaded. */
  readonly files: readonly string[];
  /**
   * The CJK font, loaded only for figures with CJK text: parsing Noto Sans CJK's 20 MB collection
   * costs seconds, a Latin font milliseconds.
   */
  readonly cjkFile?: string;
  readonly hasCjk: boolean;
  /** Why CJK text will not render, and the fix; absent when a CJK font was found. */
  readonly cjkNote?: string;
}

let found: FigureFonts | undefined;

/** The fonts the figures use, looked up once per process. */
export function figureFonts(): FigureFonts {
  const override = process.env.GNOMON_FONT_FILE;
  found ??= findFigureFonts([...(override ? [override] : []), ...CJK_CANDIDATES], LATIN_CANDIDATES);
  return found;
}

/** The first CJK candidate that exists and every Latin one that does. */
export function findFigureFonts(cjkCandidates: readonly string[], latinCandidates: readonly string[]): FigureFonts {
  const cjk = cjkCandidates.find((file) => existsSync(file));
  const latin = latinCandidates.filter((file) => existsSync(file));
  return cjk
    ? { files: latin, cjkFile: cjk, hasCjk: true }
    : { files: latin, hasCjk: false, cjkNote: 'no font with CJK glyphs found: Chinese/Japanese/Korean characters in heatmap.png are drawn as boxes (the SVG and HTML are fine); install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) or set GNOMON_FONT_FILE to a .ttf/.otf/.ttc that has them' };
}
