/**
 * heatmap.png: the heatmap SVG rendered by resvg (a real SVG renderer, the same picture as
 * heatmap.svg) at twice its size, for places that do not show SVG (chat, slides, papers). Text uses
 * the fonts figure-fonts.ts finds, CJK included; without a CJK font the PNG is still written and
 * `note` says so.
 */
import { Resvg } from '@resvg/resvg-js';
import { figureFonts } from './figure-fonts.js';

export interface RenderedPng {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** Set when text in the SVG needs glyphs no available font has (CJK without a CJK font). */
  readonly note?: string;
}

const CJK = /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef]/u;

export function renderSvgPng(svg: string, scale = 2): RenderedPng {
  const fonts = figureFonts();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { loadSystemFonts: fonts.files.length === 0, fontFiles: [...fonts.files], defaultFontFamily: fonts.hasCjk ? 'Noto Sans CJK SC' : 'DejaVu Sans' },
  });
  const image = resvg.render();
  const note = !fonts.hasCjk && CJK.test(svg) ? fonts.cjkNote : undefined;
  return { png: image.asPng(), width: image.width, height: image.height, ...(note ? { note } : {}) };
}
