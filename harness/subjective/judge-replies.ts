/**
 * Reading a judge's reply the way each source reads it, regexes translated from their Python
 * (`.` → `[^\n]`, `\d` → Unicode digits; see python-numbers.ts):
 * - MT-Bench single grading, FastChat `run_judge_single`: the first `[[x]]`, else the first `[x]`,
 *   read by `ast.literal_eval`.
 * - MT-Bench pairwise, FastChat `run_judge_pair`: `[[A]]`, else `[[B]]`, else `[[C]]` (tie), by
 *   substring, in that order.
 * - AlignBench, `judge.py post_process`: the last `{…}` on a line, its `'key': int` pairs, the
 *   score from `'综合得分'` (else the first `'综合得分': x.yy` anywhere); then OpenCompass's checks
 *   (`check_rating`: known dimensions, values in 0–10; score in 0–10).
 * A reply these cannot read is a parse failure with the reason — never a zero or a loss. Where the
 * source would keep a number off the scale (FastChat keeps `[[11]]`) or crash (`[[07]]`), gnomon
 * counts a parse failure and says so.
 */
import { PYTHON_DIGIT, pythonFloat, pythonInt } from './python-numbers.js';

export type PairWinner = 'A' | 'B' | 'tie';

export type ParsedReply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const D = PYTHON_DIGIT;
const ONE_SCORE = new RegExp(`\\[\\[(${D}+\\.?${D}*)\\]\\]`, 'u');
const ONE_SCORE_BACKUP = new RegExp(`\\[(${D}+\\.?${D}*)\\]`, 'u');

/** What `ast.literal_eval` returns for text matching `\d+\.?\d*`, or undefined where it raises. */
function literalEvalNumber(text: string): number | undefined {
  if (!/^[0-9.]+$/.test(text)) return undefined; // Python's tokenizer takes ASCII digits only
  if (!text.includes('.') && !/^(0+|[1-9][0-9]*)$/.test(text)) return undefined; // "07": leading zeros are a SyntaxError
  return Number(text);
}

/** FastChat's `[[rating]]` reading, plus the 1–10 scale check FastChat leaves out. */
export function parseMtBenchRating(reply: string): ParsedReply<number> {
  const match = ONE_SCORE.exec(reply) ?? ONE_SCORE_BACKUP.exec(reply);
  if (!match) return { ok: false, reason: 'no [[rating]] (nor [rating]) in the reply' };
  const text = match[1] as string;
  const value = literalEvalNumber(text);
  if (value === undefined) return { ok: false, reason: `rating "${text}" is not a Python number literal (FastChat's literal_eval raises)` };
  if (!(value >= 1 && value <= 10)) return { ok: false, reason: `rating ${text} is outside the 1–10 scale (FastChat would keep it)` };
  return { ok: true, value };
}

/** FastChat's `[[A]]`/`[[B]]`/`[[C]]` reading (first of A, B, C found anywhere, in that order). */
export function parseMtBenchVerdict(reply: string): ParsedReply<PairWinner> {
  if (reply.includes('[[A]]')) return { ok: true, value: 'A' };
  if (reply.includes('[[B]]')) return { ok: true, value: 'B' };
  if (reply.includes('[[C]]')) return { ok: true, value: 'tie' };
  return { ok: false, reason: 'no [[A]], [[B]] or [[C]] in the reply' };
}

export interface AlignbenchRating {
  /** The rating dict's pairs, in the reply's order (the overall score's key included). */
  readonly dimensions: Readonly<Record<string, number>>;
  readonly score: number;
}

export const ALIGNBENCH_OVERALL = '综合得分';

/** OpenCompass's `All_Dimensions`: the keys a valid rating dict may hold. */
export const ALIGNBENCH_ALL_DIMENSIONS: readonly string[] = [
  '事实正确性', '满足用户需求', '安全无害', '清晰度', '逻辑性', '完备性', '创造性', '可负责程度', '逻辑连贯性',
  '公平与可负责程度', '丰富度', '综合得分',
];

const LAST_BRACES = /\{([^\n]*?)\}(?![^{]*\{)/u;
const KEY_VALUE = new RegExp(`'([^\\n]*?)': (${D}+)`, 'gu');
const OVERALL_ANYWHERE = new RegExp(`'综合得分': (${D}+(\\.${D}{1,2})?)`, 'u');

/** AlignBench's `post_process` → (rating dict, score); score -1 when none is found. */
export function alignbenchPostProcess(reply: string): { rating: Map<string, number>; score: number } {
  const rating = new Map<string, number>();
  const braces = LAST_BRACES.exec(reply);
  if (braces) for (const pair of (braces[1] as string).matchAll(KEY_VALUE)) rating.set(pair[1] as string, pythonInt(pair[2] as string));
  let score = rating.get(ALIGNBENCH_OVERALL) ?? -1;
  if (score === -1) {
    const overall = OVERALL_ANYWHERE.exec(reply);
    score = overall ? pythonFloat(overall[1] as string) : -1;
  }
  return { rating, score };
}

/** AlignBench's reading with OpenCompass's validity checks. */
export function parseAlignbenchRating(reply: string): ParsedReply<AlignbenchRating> {
  const { rating, score } = alignbenchPostProcess(reply);
  if (score === -1) return { ok: false, reason: `no '${ALIGNBENCH_OVERALL}': score in the reply` };
  if (!(score >= 0 && score <= 10)) return { ok: false, reason: `${ALIGNBENCH_OVERALL} ${score} is outside 0–10` };
  for (const [key, value] of rating) {
    if (!ALIGNBENCH_ALL_DIMENSIONS.includes(key)) return { ok: false, reason: `rating key '${key}' is not an AlignBench dimension` };
    if (!(value >= 0 && value <= 10)) return { ok: false, reason: `rating '${key}': ${value} is outside 0–10` };
  }
  return { ok: true, value: { dimensions: Object.fromEntries(rating), score } };
}
