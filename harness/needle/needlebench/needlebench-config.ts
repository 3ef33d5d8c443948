/**
 * NeedleBench's single-needle (origin) and multi-needle reasoning grids as OpenCompass's configs define them
 * (configs/datasets/needlebench/needlebench_{4k,8k,32k,128k}/needlebench_single_*.py for v1,
 * configs/datasets/needlebench_v2/needlebench_v2_*k/needlebench_v2_single_*.py for v2): context
 * lengths in cl100k tokens, depths floored to integers (`'depth': int(depth_percent)`), the length
 * buffer per language, 10 repeats (`num_repeats_per_file`) and the haystack file per language.
 */
export type NeedleBenchVersion = 'v1' | 'v2';
export const NEEDLEBENCH_SIZES = ['4k', '8k', '32k', '128k'] as const;
export type NeedleBenchSize = (typeof NEEDLEBENCH_SIZES)[number];

export interface NeedleBenchConfig {
  readonly lengths: readonly number[];
  readonly depths: readonly number[];
  readonly lengthBuffer: { readonly en: number; readonly zh: number };
  /** Multi-needle reasoning's buffer where its config differs from the single needle's (v1 8k en: 1000). */
  readonly multiReasoningBuffer?: { readonly en: number; readonly zh: number };
  readonly repeats: number;
}

/** Haystack file per language in every config. */
export const NEEDLEBENCH_HAYSTACK_FILE = { en: 'PaulGrahamEssays.jsonl', zh: 'zh_finance.jsonl' } as const;
export const NEEDLES_FILE = 'needles.jsonl';
/** Multi-needle reasoning's people (v2). */
export const NAMES_FILE = 'names.json';

/** v1's `generate_linear_space(0, 100, num)`, with the same floating-point steps (then floored by the config). */
export function linearSpace(start: number, end: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (end - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => start + step * i);
}

const V1_20_DEPTHS = linearSpace(0, 100, 20).map(Math.trunc);
const V1_LIST_DEPTHS = [0, 10, 21, 31, 42, 52, 63, 73, 84, 94, 100];
const V2_DEPTHS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

const CONFIGS: Readonly<Record<NeedleBenchVersion, Readonly<Record<NeedleBenchSize, NeedleBenchConfig>>>> = {
  v1: {
    '4k': { lengths: [1000, 2000, 3000, 4000], depths: V1_20_DEPTHS, lengthBuffer: { en: 600, zh: 200 }, repeats: 10 },
    '8k': { lengths: [5000, 6000, 7000, 8000], depths: V1_20_DEPTHS, lengthBuffer: { en: 800, zh: 200 }, multiReasoningBuffer: { en: 1000, zh: 200 }, repeats: 10 },
    '32k': { lengths: [9000, 13000, 17000, 21000, 25000, 29000, 31000, 32000], depths: V1_LIST_DEPTHS, lengthBuffer: { en: 3000, zh: 200 }, repeats: 10 },
    '128k': { lengths: [16000, 32000, 48000, 64000, 80000, 96000, 112000, 128000], depths: V1_LIST_DEPTHS, lengthBuffer: { en: 600, zh: 200 }, repeats: 10 },
  },
  v2: {
    '4k': { lengths: [1000, 2000, 3000, 4000], depths: V2_DEPTHS, lengthBuffer: { en: 500, zh: 200 }, repeats: 10 },
    '8k': { lengths: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000], depths: V2_DEPTHS, lengthBuffer: { en: 500, zh: 200 }, repeats: 10 },
    '32k': { lengths: [1000, 4000, 8000, 12000, 16000, 20000, 24000, 28000, 32000], depths: V2_DEPTHS, lengthBuffer: { en: 3000, zh: 200 }, repeats: 10 },
    '128k': { lengths: [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000], depths: V2_DEPTHS, lengthBuffer: { en: 3000, zh: 200 }, repeats: 10 },
  },
};

export function needleBenchConfig(version: NeedleBenchVersion, size: NeedleBenchSize): NeedleBenchConfig {
  return CONFIGS[version][size];
}
