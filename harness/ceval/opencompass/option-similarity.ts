/**
 * OpenCompass's OptionSimAccEvaluator (datasets/custom.py), which scores `--custom-dataset-path` gen
 * runs: the reply, stripped, if it is an option letter; else first_option_postprocess (utils/
 * text_postprocessors.py, cushion off) — the first of its patterns that matches, and the first
 * option letter, in option order, anywhere in that match; else the one option whose text the reply
 * contains (case-folded); else the option nearest by edit distance to the letter, its text or
 * "X. text" (ties: the earlier letter). The pattern lists are OpenCompass's, as its f-strings
 * evaluate with options "ABCD" (0.2.4 and main differ; note the missing comma that joins its
 * `故选` and `只有选项…是对` patterns into one), kept in Python syntax and translated by
 * `pythonRegex`. Checked against OpenCompass's own functions on a table of replies
 * (test/data/opencompass/option-sim-*.json).
 */
import type { ChoiceLetter } from '../dataset.js';
import { CHOICE_LETTERS } from '../dataset.js';
import type { OpenCompassVersion } from './render.js';

/** first_option_postprocess patterns, OpenCompass 0.2.4. */
const PATTERNS_0_2_4: readonly string[] = [
  "答案是?\\s?([ABCD])",
  "答案是?\\s?：([ABCD])",
  "答案是?\\s?:([ABCD])",
  "答案应该?是\\s?([ABCD])",
  "答案应该?选\\s?([ABCD])",
  "答案为\\s?([ABCD])",
  "答案选\\s?([ABCD])",
  "选择?\\s?([ABCD])",
  "故选?\\s?([ABCD])只有选?项?\\s?([ABCD])\\s?是?对",
  "只有选?项?\\s?([ABCD])\\s?是?错",
  "只有选?项?\\s?([ABCD])\\s?不?正确",
  "只有选?项?\\s?([ABCD])\\s?错误",
  "说法不?对选?项?的?是\\s?([ABCD])",
  "说法不?正确选?项?的?是\\s?([ABCD])",
  "说法错误选?项?的?是\\s?([ABCD])",
  "([ABCD])\\s?是正确的",
  "([ABCD])\\s?是正确答案",
  "选项\\s?([ABCD])\\s?正确",
  "所以答\\s?([ABCD])",
  "所以\\s?([ABCD][.。$]?$)",
  "所有\\s?([ABCD][.。$]?$)",
  "[\\s，：:,]([ABCD])[。，,\\.]?$",
  "[\\s，,：:][故即]([ABCD])[。\\.]?$",
  "[\\s，,：:]因此([ABCD])[。\\.]?$",
  "[是为。]\\s?([ABCD])[。\\.]?$",
  "因此\\s?([ABCD])[。\\.]?$",
  "显然\\s?([ABCD])[。\\.]?$",
  "答案是\\s?(\\S+)(?:。|$)",
  "答案应该是\\s?(\\S+)(?:。|$)",
  "答案为\\s?(\\S+)(?:。|$)",
  "[Tt]he answer is \\(?([ABCD])\\)?",
  "[Tt]he answer is option \\(?([ABCD])\\)?",
  "[Tt]he correct answer is \\(?([ABCD])\\)?",
  "[Tt]he correct answer is option \\(?([ABCD])\\)?",
  "[Tt]he answer to the question is \\(?([ABCD])\\)?",
  "^选项\\s?([ABCD])",
  "^([ABCD])\\s?选?项",
  "(\\s|^)[ABCD][\\s。，,：:\\.$]",
  "(\\s|^)[ABCD](\\s|$)",
  "1.\\s?(.*?)$",
  "1.\\s?([ABCD])[.。$]?$",
];

/** first_option_postprocess patterns, OpenCompass main (0.2.5 on). */
const PATTERNS_CURRENT: readonly string[] = [
  "答案是?\\s*([ABCD])",
  "答案是?\\s*：\\s*([ABCD])",
  "答案是?\\s*:\\s*([ABCD])",
  "答案选项应?该?是\\s*([ABCD])",
  "答案选项应?该?为\\s*([ABCD])",
  "答案应该?是\\s*([ABCD])",
  "答案应该?选\\s*([ABCD])",
  "答案选项为?\\s*：\\s*([ABCD])",
  "答案选项为?\\s+\\(?\\*?\\*?([ABCD])\\*?\\*?\\)?",
  "答案选项是?\\s*:\\s*([ABCD])",
  "答案为\\s*([ABCD])",
  "答案选\\s*([ABCD])",
  "选择?\\s*([ABCD])",
  "故选?\\s*([ABCD])只有选?项?\\s?([ABCD])\\s?是?对",
  "只有选?项?\\s?([ABCD])\\s?是?错",
  "只有选?项?\\s?([ABCD])\\s?不?正确",
  "只有选?项?\\s?([ABCD])\\s?错误",
  "说法不?对选?项?的?是\\s?([ABCD])",
  "说法不?正确选?项?的?是\\s?([ABCD])",
  "说法错误选?项?的?是\\s?([ABCD])",
  "([ABCD])\\s?是正确的",
  "([ABCD])\\s?是正确答案",
  "选项\\s?([ABCD])\\s?正确",
  "所以答\\s?([ABCD])",
  "所以\\s?([ABCD][.。$]?$)",
  "所有\\s?([ABCD][.。$]?$)",
  "[\\s，：:,]([ABCD])[。，,\\.]?$",
  "[\\s，,：:][故即]([ABCD])[。\\.]?$",
  "[\\s，,：:]因此([ABCD])[。\\.]?$",
  "[是为。]\\s?([ABCD])[。\\.]?$",
  "因此\\s?([ABCD])[。\\.]?$",
  "显然\\s?([ABCD])[。\\.]?$",
  "答案是\\s?(\\S+)(?:。|$)",
  "答案应该是\\s?(\\S+)(?:。|$)",
  "答案为\\s?(\\S+)(?:。|$)",
  "(?i)ANSWER\\s*:\\s*([ABCD])",
  "[Tt]he answer is:?\\s+\\(?([ABCD])\\)?",
  "[Tt]he answer is:?\\s+\\(?\\*?\\*?([ABCD])\\*?\\*?\\)?",
  "[Tt]he answer is option:?\\s+\\(?([ABCD])\\)?",
  "[Tt]he correct answer is:?\\s+\\(?([ABCD])\\)?",
  "[Tt]he correct answer is option:?\\s+\\(?([ABCD])\\)?",
  "[Tt]he correct answer is:?.*?boxed{([ABCD])}",
  "[Tt]he correct option is:?.*?boxed{([ABCD])}",
  "[Tt]he correct answer option is:?.*?boxed{([ABCD])}",
  "[Tt]he answer to the question is:?\\s+\\(?([ABCD])\\)?",
  "^选项\\s?([ABCD])",
  "^([ABCD])\\s?选?项",
  "(\\s|^)[ABCD][\\s。，,：:\\.$]",
  "1.\\s?(.*?)$",
  "1.\\s?([ABCD])[.。$]?$",
];

/**
 * A Python `re` pattern as a JavaScript RegExp: `$` outside a character class also matches before a
 * final newline in Python (so `(?=\n?$)`), and a leading `(?i)` becomes the `i` flag.
 */
export function pythonRegex(pattern: string): RegExp {
  let flags = '';
  let source = pattern;
  if (source.startsWith('(?i)')) {
    flags = 'i';
    source = source.slice(4);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] ?? '';
    if (char === '\\') {
      out += char + (source[i + 1] ?? '');
      i += 1;
    } else if (inClass) {
      if (char === ']') inClass = false;
      out += char;
    } else if (char === '[') {
      inClass = true;
      out += char;
    } else {
      out += char === '$' ? '(?=\\n?$)' : char;
    }
  }
  return new RegExp(out, flags);
}

const COMPILED: Readonly<Record<OpenCompassVersion, readonly RegExp[]>> = {
  'opencompass-0.2.4': PATTERNS_0_2_4.map(pythonRegex),
  opencompass: PATTERNS_CURRENT.map(pythonRegex),
};

/** first_option_postprocess(text, 'ABCD', cushion=False). */
export function firstOptionPostprocess(text: string, version: OpenCompassVersion): ChoiceLetter | '' {
  for (const pattern of COMPILED[version]) {
    const match = pattern.exec(text);
    if (match) {
      for (const letter of CHOICE_LETTERS) if (match[0].includes(letter)) return letter;
    }
  }
  return '';
}

/** Python's str.strip(): its whitespace set (str.isspace), not JavaScript's. */
function pythonStrip(text: string): string {
  return text.replace(/^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '');
}

/** Unit-cost edit distance over code points (rapidfuzz Levenshtein.distance). */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  x.forEach((charA, i) => {
    const current = [i + 1];
    y.forEach((charB, j) => {
      current.push(Math.min((previous[j + 1] ?? 0) + 1, (current[j] ?? 0) + 1, (previous[j] ?? 0) + (charA === charB ? 0 : 1)));
    });
    previous = current;
  });
  return previous[y.length] ?? 0;
}

/** OptionSimAccEvaluator.match_any_label: the option a reply chooses ('' only when nothing is left to compare). */
export function optionSimilarity(reply: string, choices: Readonly<Record<ChoiceLetter, string>>, version: OpenCompassVersion): ChoiceLetter | '' {
  const prediction = pythonStrip(reply);
  if ((CHOICE_LETTERS as readonly string[]).includes(prediction)) return prediction as ChoiceLetter;
  const pattern = firstOptionPostprocess(prediction, version);
  if (pattern !== '') return pattern;
  const containing = CHOICE_LETTERS.filter((letter) => prediction.toLowerCase().includes(choices[letter].toLowerCase()));
  if (containing.length === 1) return containing[0] ?? '';
  let best: { distance: number; letter: ChoiceLetter } | undefined;
  for (const letter of CHOICE_LETTERS) {
    const text = choices[letter];
    const distance = Math.min(...[letter, text, `${letter}. ${text}`].map((candidate) => editDistance(prediction, candidate)));
    if (!best || distance < best.distance) best = { distance, letter };
  }
  return best?.letter ?? '';
}
