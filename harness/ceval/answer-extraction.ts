/**
 * The letter a generated answer chooses. Reasoning models think first: `<think>…</think>` is removed
 * (an unclosed `<think>` removes the rest, since the model never got to answer). Then explicit answer
 * phrases win (`答案是 B`, `答案：B`, `The answer is (B)`, `Answer: B`), and otherwise the first capital
 * A–D that stands alone (not inside a Latin word, so "Because" is not B) — OpenCompass's
 * first_capital_postprocess, minus its habit of reading the first letter of any capitalised word.
 * No letter at all is "no answer", reported separately from wrong answers.
 */
import { isChoiceLetter, type ChoiceLetter } from './dataset.js';
import { optionSimilarity } from './opencompass/option-similarity.js';
import type { OpenCompassVersion } from './opencompass/render.js';

export function stripThinking(text: string): string {
  const closed = text.replace(/<think>[\s\S]*?<\/think>/g, '');
  const open = closed.indexOf('<think>');
  return open >= 0 ? closed.slice(0, open) : closed;
}

const ANSWER_PATTERNS: readonly RegExp[] = [
  /答案\s*(?:是|为|应该是|应为|选)\s*[:：]?\s*[(（]?\s*([A-D])(?![A-Za-z])/,
  /答案\s*[:：]\s*[(（]?\s*([A-D])(?![A-Za-z])/,
  /(?:选|选择)\s*[(（]?\s*([A-D])\s*[)）]?\s*(?:项|选项)?/,
  /[Tt]he (?:correct )?answer is:?\s*\(?\s*([A-D])(?![A-Za-z])/,
  /[Aa]nswer\s*[:：]\s*\(?\s*([A-D])(?![A-Za-z])/,
];

const STANDALONE_LETTER = /(?<![A-Za-z])([A-D])(?![A-Za-z])/;

export function extractChoice(output: string): ChoiceLetter | undefined {
  const text = stripThinking(output);
  for (const pattern of ANSWER_PATTERNS) {
    const match = pattern.exec(text);
    if (match?.[1]) return match[1] as ChoiceLetter;
  }
  const match = STANDALONE_LETTER.exec(text);
  return match?.[1] as ChoiceLetter | undefined;
}

/**
 * OpenCompass's first_capital_postprocess (opencompass/utils/text_postprocessors.py, 0.2.4 and main):
 * the first character of the reply for which Python's `str.isupper()` holds — any uppercase letter,
 * not only A–D (`Answer: C` gives `A`, `根据TCP/IP协议，答案是C` gives `T`) — or '' when there is none.
 * A single character is upper in Python when it has the Unicode Uppercase property, which
 * `\p{Uppercase}` tests; iteration is by code point, as Python's.
 */
export function firstCapital(output: string): string {
  for (const char of output) if (/^\p{Uppercase}$/u.test(char)) return char;
  return '';
}

/**
 * How a gen reply is read: gnomon's extractor, OpenCompass's first_capital_postprocess (C-Eval,
 * CMMLU), or OpenCompass's OptionSimAccEvaluator (custom files; needs the options' texts).
 */
export type Extractor = 'gnomon' | 'first-capital' | 'option-sim';

/** What option-sim compares a reply with: the question's options, and which OpenCompass's rules. */
export interface OptionContext {
  readonly choices: Readonly<Record<ChoiceLetter, string>>;
  readonly version: OpenCompassVersion;
}

export interface ReadAnswer {
  /** What the extractor returned: a letter, for first-capital any uppercase character, '' for none. */
  readonly prediction: string;
  /** The chosen option, or null when the prediction is not one of A–D. */
  readonly extracted: ChoiceLetter | null;
}

export function readAnswer(output: string, extractor: Extractor, options?: OptionContext): ReadAnswer {
  if (extractor === 'option-sim') {
    if (!options) throw new Error('the option-sim extractor needs the question\'s options');
    const prediction = optionSimilarity(output, options.choices, options.version);
    return { prediction, extracted: prediction === '' ? null : prediction };
  }
  if (extractor === 'first-capital') {
    const prediction = firstCapital(output);
    return { prediction, extracted: isChoiceLetter(prediction) ? prediction : null };
  }
  const letter = extractChoice(output);
  return { prediction: letter ?? '', extracted: letter ?? null };
}
