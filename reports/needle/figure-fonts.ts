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

const LATIN_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/System/Library/Fonts/Helvetica.ttc',
];

/** The font-family list the SVG figures name (browsers pick from it; resvg from the files below). */
export const FIGURE_FONT_FAMILY = "'Noto Sans CJK SC', 'DejaVu Sans', 'Liberation Sans', 'WenQuanYi Micro Hei', 'Droid Sans Fallback', system-ui, sans-serif";

export interface FigureFonts {
  readonly files: readonly string[];
  readonly hasCjk: boolean;
  /** Why CJK text will not render, and the fix; absent when a CJK font was found. */
  readonly cjkNote?: string;
}

let found: FigureFonts | undefined;

export function figureFonts(): FigureFonts {
  if (found) return found;
  const override = process.env.GNOMON_FONT_FILE;
  const cjk = [...(override ? [override] : []), ...CJK_CANDIDATES].find((file) => existsSync(file));
  const latin = LATIN_CANDIDATES.filter((file) => existsSync(file));
  const files = [...(cjk ? [cjk] : []), ...latin];
  found = cjk
    ? { files, hasCjk: true }
    : { files, hasCjk: false, cjkNote: 'no font with CJK glyphs found: Chinese/Japanese/Korean characters in heatmap.png are drawn as boxes (the SVG and HTML are fine); install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) or set GNOMON_FONT_FILE to a .ttf/.otf/.ttc that has them' };
  return found;
}
