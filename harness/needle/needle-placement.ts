/**
 * Where needles go in a cell's haystack, to within `DEPTH_TOLERANCE` points of their target depth.
 *
 * Depth is measured in haystack tokens before the needle, as a percent of all haystack tokens
 * (needles excluded), like NeedleBench's `insertion_point = int(len(context) * depth / 100)`. The
 * nearest sentence boundary is preferred, since it leaves every sentence whole. Where sentences are
 * too coarse for that (a short prompt holds a handful of them, and one sentence may be 10% of it), the
 * needle is inserted inside the sentence at the token position nearest the target, as NeedleBench
 * always does; English cuts go at a space so no word is split. The method used is recorded, and a
 * needle still further off than the tolerance (a haystack of a few dozen tokens) is flagged by the
 * caller, never silently passed off as its target depth.
 */

/** Points of depth a needle may miss its target by before the cell is flagged. */
export const DEPTH_TOLERANCE = 1;

export type PlacementMethod = 'sentence' | 'token';

export interface NeedlePlacement {
  /** Index of the sentence the needle goes before (offset 0) or into; sentences.length = after the last. */
  readonly sentence: number;
  /** Character offset inside that sentence; 0 = on the boundary before it. */
  readonly offset: number;
  readonly method: PlacementMethod;
  /** Percent of haystack tokens before the needle, two decimals. */
  readonly depthActual: number;
}

export interface PlacementInput {
  /** Token count of each haystack sentence, in order. */
  readonly counts: readonly number[];
  readonly sentence: (index: number) => string;
  /** Token count of a piece of text (the model's tokenizer). */
  readonly countTokens: (text: string) => Promise<number>;
  /** English cuts only at spaces; Chinese at any character. */
  readonly language: 'en' | 'zh';
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Places one needle per depth (percent). */
export async function placeNeedles(input: PlacementInput, depths: readonly number[]): Promise<NeedlePlacement[]> {
  const prefix = [0];
  for (const count of input.counts) prefix.push((prefix[prefix.length - 1] ?? 0) + count);
  const total = prefix[prefix.length - 1] ?? 0;
  const percent = (tokens: number): number => (total === 0 ? 0 : round2((100 * tokens) / total));
  const out: NeedlePlacement[] = [];
  for (const depth of depths) {
    const target = (depth / 100) * total;
    let best = 0;
    for (let k = 1; k < prefix.length; k += 1) {
      if (Math.abs((prefix[k] ?? 0) - target) < Math.abs((prefix[best] ?? 0) - target)) best = k;
    }
    const onBoundary: NeedlePlacement = { sentence: best, offset: 0, method: 'sentence', depthActual: percent(prefix[best] ?? 0) };
    if (Math.abs(onBoundary.depthActual - depth) <= DEPTH_TOLERANCE || total === 0) {
      out.push(onBoundary);
      continue;
    }
    // The sentence that holds the target token: cut it where the tokens before the cut come nearest.
    let holder = 0;
    while (holder + 1 < prefix.length - 1 && (prefix[holder + 1] ?? 0) <= target) holder += 1;
    let chosen = onBoundary;
    // English cuts at a space first; only where words are too coarse too, inside a word (as NeedleBench's token cut does).
    for (const wordsOnly of input.language === 'en' ? [true, false] : [false]) {
      const inside = await cutInside(input, holder, target - (prefix[holder] ?? 0), wordsOnly);
      const viaToken: NeedlePlacement | undefined = inside && { sentence: holder, offset: inside.offset, method: 'token', depthActual: percent((prefix[holder] ?? 0) + inside.tokens) };
      if (viaToken && Math.abs(viaToken.depthActual - depth) < Math.abs(chosen.depthActual - depth)) chosen = viaToken;
      if (Math.abs(chosen.depthActual - depth) <= DEPTH_TOLERANCE) break;
    }
    out.push(chosen);
  }
  return out;
}

/**
 * Candidate cut offsets inside a sentence: before each space run that follows a word (`wordsOnly`,
 * so the text before ends with a word and the text after starts with its space), or between any two
 * non-space characters.
 */
export function cutOffsets(text: string, wordsOnly: boolean): number[] {
  const offsets: number[] = [];
  for (let index = 1; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0xdc00 && code <= 0xdfff) continue; // never split a surrogate pair
    const space = /\s/.test(text[index] ?? '');
    const afterSpace = /\s/.test(text[index - 1] ?? '');
    if (wordsOnly ? space && !afterSpace : !space && !afterSpace) offsets.push(index);
  }
  return offsets;
}

/** The longest prefix of `text` (cut at a word for English) with at most `maxTokens` tokens. */
export async function longestPrefix(text: string, maxTokens: number, countTokens: (text: string) => Promise<number>, language: 'en' | 'zh'): Promise<{ text: string; tokens: number } | undefined> {
  const offsets = cutOffsets(text, language === 'en');
  let low = 0;
  let high = offsets.length;
  // Invariant: prefixes up to offsets[low - 1] fit; offsets[high] and beyond do not.
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((await countTokens(text.slice(0, offsets[middle]))) <= maxTokens) low = middle + 1;
    else high = middle;
  }
  if (low === 0) return undefined;
  const prefix = text.slice(0, offsets[low - 1]);
  return { text: prefix, tokens: await countTokens(prefix) };
}

/** The cut whose prefix token count is nearest `need` (binary search: counts grow with the prefix). */
async function cutInside(input: PlacementInput, sentenceIndex: number, need: number, wordsOnly: boolean): Promise<{ offset: number; tokens: number } | undefined> {
  const text = input.sentence(sentenceIndex);
  const offsets = cutOffsets(text, wordsOnly);
  if (offsets.length === 0) return undefined;
  const tokensAt = async (position: number): Promise<number> => input.countTokens(text.slice(0, offsets[position]));
  let low = 0;
  let high = offsets.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((await tokensAt(middle)) < need) low = middle + 1;
    else high = middle;
  }
  let bestPosition = low;
  let bestTokens = await tokensAt(low);
  if (low > 0) {
    const before = await tokensAt(low - 1);
    if (Math.abs(before - need) <= Math.abs(bestTokens - need)) {
      bestPosition = low - 1;
      bestTokens = before;
    }
  }
  return { offset: offsets[bestPosition] ?? 0, tokens: bestTokens };
}

/**
 * The document text with each segment inserted at its placement; segments at the same place keep
 * their order. Sentences are joined as written (each carries its leading whitespace).
 */
export function assembleDocument(sentenceCount: number, sentence: (index: number) => string, placements: readonly NeedlePlacement[], segments: readonly string[]): string {
  const at = new Map<number, { offset: number; segment: string }[]>();
  placements.forEach((placement, index) => {
    const list = at.get(placement.sentence) ?? [];
    list.push({ offset: placement.offset, segment: segments[index] ?? '' });
    at.set(placement.sentence, list);
  });
  const parts: string[] = [];
  for (let k = 0; k <= sentenceCount; k += 1) {
    const inserts = (at.get(k) ?? []).map((item, order) => ({ ...item, order })).sort((a, b) => a.offset - b.offset || a.order - b.order);
    if (k === sentenceCount) {
      parts.push(...inserts.map((item) => item.segment));
      break;
    }
    const text = sentence(k);
    let from = 0;
    for (const item of inserts) {
      parts.push(text.slice(from, item.offset), item.segment);
      from = item.offset;
    }
    parts.push(text.slice(from));
  }
  return parts.join('');
}
