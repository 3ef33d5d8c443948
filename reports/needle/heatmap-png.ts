/**
 * heatmap.png: the heatmap SVG rendered by resvg (a real SVG renderer, the same picture as
 * heatmap.svg) at twice its size, for places that do not show SVG (chat, slides, papers). Text uses
 * the fonts figure-fonts.ts finds, CJK included; without a CJK font the PNG is still written and
 * `note` says so.
 */
import { Resvg } from '@resvg/resvg-js';
import { figureFonts, type FigureFonts } from './figure-fonts.js';

export interface RenderedPng {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** Set when text in the SVG needs glyphs no available font has (CJK without a CJK font). */
  readonly note?: string;
}

const CJK = /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef]/u;

export function renderSvgPng(svg: string, scale = 2, fonts: FigureFonts = figureFonts()): RenderedPng {
  const needsCjk = CJK.test(svg);
  const files = needsCjk && fonts.cjkFile ? [fonts.cjkFile, ...fonts.files] : [...fonts.files];
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    // The system's fonts only when none of the known files exists (slow, but better than no text).
    font: { loadSystemFonts: files.length === 0, fontFiles: files, defaultFontFamily: 'DejaVu Sans' },
  });
  const image = resvg.render();
  const note = needsCjk && !fonts.hasCjk ? fonts.cjkNote : undefined;
  return { png: image.asPng(), width: image.width, height: image.height, ...(note ? { note } : {}) };
}
