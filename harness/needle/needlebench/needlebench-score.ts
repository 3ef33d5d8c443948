/**
 * NeedleBench's scorers, as its evaluators compute them (scores 0–100):
 *
 * - v2 single needle (needlebench_v2/origin.py NeedleBenchOriginEvaluator): 100 when the keyword
 *   occurs in the raw prediction, else 0.
 * - v1 single needle (needlebench/origin.py, use_trim=False): whitespace is removed from prediction
 *   and reference (the needle), the score is 100·(1 − levenshtein / max length); a prediction with
 *   the keyword gets 100, one without gets 0.2 × that partial credit.
 * - multi-needle retrieval (parallel.py NeedleBenchParallelEvaluator): each keyword found adds
 *   100 / keywords (its per-depth average over one prediction).
 * - the overall score (summarizers/needlebench.py): 0.4 × single + 0.3 × multi-retrieval + 0.3 × multi-reasoning.
 */
import type { NeedleBenchVersion } from './needlebench-config.js';

/** Python's `\s` in a str pattern: every character for which str.isspace() is true. */
const PYTHON_WHITESPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu;

/** Levenshtein distance over code points (Python indexes strings by code point). */
export function levenshtein(a: string, b: string): number {
  let s1 = [...a];
  let s2 = [...b];
  if (s1.length < s2.length) [s1, s2] = [s2, s1];
  if (s2.length === 0) return s1.length;
  let previous = Array.from({ length: s2.length + 1 }, (_, j) => j);
  for (let i = 0; i < s1.length; i += 1) {
    const current = [i + 1];
    for (let j = 0; j < s2.length; j += 1) {
      const insertion = (previous[j + 1] ?? 0) + 1;
      const deletion = (current[j] ?? 0) + 1;
      const substitution = (previous[j] ?? 0) + (s1[i] !== s2[j] ? 1 : 0);
      current.push(Math.min(insertion, deletion, substitution));
    }
    previous = current;
  }
  return previous[previous.length - 1] ?? 0;
}

export interface OriginScore {
  /** 0–100, as NeedleBench reports it. */
  readonly score: number;
  readonly keywordFound: boolean;
  /** v1 only: the edit distance behind the partial credit. */
  readonly editDistance?: number;
}

/** Scores one prediction against NeedleBench's gold string `needle*keyword`. */
export function scoreOrigin(version: NeedleBenchVersion, prediction: string, gold: string): OriginScore {
  const parts = gold.split('*');
  const keyword = parts[1] ?? '';
  const keywordFound = prediction.includes(keyword);
  if (version === 'v2') return { score: keywordFound ? 100 : 0, keywordFound };
  const stripped = prediction.replace(PYTHON_WHITESPACE, '');
  const reference = (parts[0] ?? '').replace(PYTHON_WHITESPACE, '');
  const editDistance = levenshtein(stripped, reference);
  const maxLength = Math.max([...stripped].length, [...reference].length);
  const partial = maxLength !== 0 ? 100 * (1 - editDistance / maxLength) : 100;
  return { score: keywordFound ? 100 : 0.2 * partial, keywordFound, editDistance };
}

/** Multi-needle retrieval: 100 / keywords for each keyword the prediction contains. */
export function scoreParallel(prediction: string, keywords: readonly string[]): number {
  if (keywords.length === 0) return 0;
  return keywords.reduce((total, keyword) => total + (prediction.includes(keyword) ? 100 / keywords.length : 0), 0);
}

export interface NeedleBenchTaskMeans {
  readonly single: number;
  readonly multiRetrieval: number;
  readonly multiReasoning: number;
}

/** NeedleBench-Overall-Score: 0.4 single + 0.3 multi-retrieval + 0.3 multi-reasoning. */
export function overallScore(means: NeedleBenchTaskMeans): number {
  return means.single * 0.4 + means.multiRetrieval * 0.3 + means.multiReasoning * 0.3;
}

/** Python's str.strip(): every str.isspace() character off both ends. */
function pythonStrip(text: string): string {
  return text.replace(/^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/gu, '');
}

/** math.py `last_boxed_only_string`: from the last \boxed (else \fbox) to its matching brace. */
export function lastBoxedOnlyString(text: string): string | undefined {
  let at = text.lastIndexOf('\\boxed');
  if (at < 0) at = text.lastIndexOf('\\fbox');
  if (at < 0) return undefined;
  let open = 0;
  for (let i = at; i < text.length; i += 1) {
    if (text[i] === '{') open += 1;
    if (text[i] === '}') {
      open -= 1;
      if (open === 0) return text.slice(at, i + 1);
    }
  }
  return undefined;
}

/** math.py `extract_boxed_answer(pred, strip_double_curly_brace=True)`. */
export function extractBoxedAnswer(text: string): string | undefined {
  const boxed = lastBoxedOnlyString(text);
  if (boxed === undefined) return undefined;
  const left = '\\boxed{';
  if (boxed.slice(0, left.length) !== left || boxed[boxed.length - 1] !== '}') return undefined;
  const answer = boxed.slice(left.length, -1);
  // re.match('^\{(.*)\}$'): '.' is any character but \n; '$' also matches before a final \n.
  const inner = /^\{([^\n]*)\}\n?$/.exec(answer);
  return inner ? (inner[1] ?? '') : answer;
}

/** atc_elder_only.py `clean_atc_answer`. */
export function cleanAtcAnswer(text: string): string {
  if (!text || text === 'None') return 'None';
  let out = text.replace(/\\text\{([^}]+)\}/g, '$1');
  out = out.replace(/\\boxed\{([^}]+)\}/g, '$1');
  out = out.replace(/\\[[\]]/g, '');
  out = out.split('\\\\').join('').split('\\').join('');
  out = pythonStrip(out.replace(PYTHON_WHITESPACE, ' '));
  return out.replace(/"/g, '').replace(/'/g, '').replace(/~/g, ' ');
}

/** Multi-needle reasoning: `needlebench_atc_postprocess_v2` then NeedleBenchATCEvaluator (100 or 0). */
export function scoreMultiReasoning(prediction: string, answer: string): { score: number; extracted: string } {
  const boxed = extractBoxedAnswer(prediction);
  const extracted = boxed ? cleanAtcAnswer(boxed) : 'None';
  return { score: pythonStrip(extracted) === pythonStrip(answer) ? 100 : 0, extracted };
}

/** v1 multi-needle reasoning (NeedleBenchMultiEvaluator): 100 / words for each lower-cased answer word in the lower-cased reply. */
export function scoreV1MultiReasoning(prediction: string, answer: string): number {
  const keywords = answer.toLowerCase().split(PYTHON_WHITESPACE).filter((word) => word !== '');
  if (keywords.length === 0) return 0;
  const lowered = prediction.toLowerCase();
  const matched = keywords.filter((word) => lowered.includes(word)).length;
  return matched * (100 / keywords.length);
}
