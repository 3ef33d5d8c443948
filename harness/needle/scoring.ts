/**
 * Scoring without a judge model: a needle counts as recalled when its value appears in the output
 * after normalisation (NFKC, so full-width digits match; case ignored; thousands separators
 * removed) and not as part of a longer number. NeedleBench's retrieval scores likewise
 * start from "is the keyword in the prediction"; multi-needle scores are the recalled fraction, as
 * in NeedleBench's multi-needle evaluator.
 */
import type { NeedleTask } from './tasks.js';

export interface NeedleScore {
  /** In [0, 1]. */
  readonly score: number;
  /** Expected values found in the output. */
  readonly matched: readonly string[];
  /** Multi-key distractor values found in the output. */
  readonly distractorsMatched: readonly string[];
}

/** NFKC, lower case, whitespace runs as one space, no thousands separators ("482,193" → "482193"). */
export function normaliseAnswer(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    // Thousands separators only ("482,193", "482 193"); "987255, 618326" stays two numbers.
    .replace(/(?<=\d)[,_'’， ](?=\d{3}(?!\d))/g, '');
}

/** Whether `value` occurs in `output` (both normalised), not inside a longer run of digits. */
export function containsValue(output: string, value: string): boolean {
  const haystack = normaliseAnswer(output);
  const needle = normaliseAnswer(value);
  if (needle === '') return false;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1] ?? '';
    const after = haystack[at + needle.length] ?? '';
    if (!/\d/.test(needle[0] ?? '') || !/\d/.test(before)) {
      if (!/\d/.test(needle[needle.length - 1] ?? '') || !/\d/.test(after)) return true;
    }
  }
  return false;
}

/**
 * single / multi-reasoning: 1 when the value is in the output. multi-retrieval: the fraction of
 * values recalled. multi-key: 1 only when the asked value is there and no distractor value is, so
 * listing every code in the text does not pass.
 */
export function scoreOutput(task: NeedleTask, output: string): NeedleScore {
  const matched = task.expected.filter((value) => containsValue(output, value));
  const distractorsMatched = task.distractorValues.filter((value) => containsValue(output, value));
  const recall = task.expected.length === 0 ? 0 : matched.length / task.expected.length;
  const score = task.kind === 'multi-key' && distractorsMatched.length > 0 ? 0 : recall;
  return { score, matched, distractorsMatched };
}
