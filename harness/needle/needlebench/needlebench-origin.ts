/**
 * One NeedleBench single-needle ("origin") prompt, built as NeedleBenchOriginDataset.load builds it
 * (opencompass/datasets/needlebench{,_v2}/origin.py):
 *
 *   lines = haystack lines; for counter in 0..: random.seed(counter); random.shuffle(lines)
 *     — the same list is shuffled again for every counter, so counter c sees shuffles 0..c applied;
 *   needle = random.choice(needles of the language) after random.seed(counter), wrapped in '\n';
 *   target = length − length_buffer − len(cl100k(needle)); cl100k tokens of whole lines are
 *   concatenated until there are target of them, then cut to exactly target (mid-line, mid-word,
 *   even mid-character: the decode replaces a cut character with U+FFFD, as tiktoken does);
 *   the needle's tokens go in at int(len(tokens) × (depth / 100)); the whole is decoded and put in
 *   the version's template (v1 adds its "guide" sentence to the question).
 *
 * test/harness/needle/needlebench-prompts.test.ts compares the result with prompts rendered by a
 * Python script following that code.
 */
import { UserError } from '../../../engine/language-model.js';
import { decodeCl100k, encodeCl100k } from './cl100k.js';
import type { NeedleBenchVersion } from './needlebench-config.js';
import type { HaystackLine, NeedleBenchNeedle } from './needlebench-data.js';
import { PythonRandom } from './python-random.js';

export type NeedleBenchLanguageCode = 'en' | 'zh';

export interface OriginCellSpec {
  readonly version: NeedleBenchVersion;
  readonly language: NeedleBenchLanguageCode;
  /** NeedleBench's `length`, in cl100k tokens. */
  readonly length: number;
  /** Whole percent (configs pass `int(depth_percent)`). */
  readonly depth: number;
  /** The repeat index, NeedleBench's `counter` (and its seed). */
  readonly counter: number;
  readonly lengthBuffer: number;
}

export interface OriginCell {
  readonly prompt: string;
  /** The needle as inserted ('\n' + needle + '\n'). */
  readonly needle: string;
  readonly keyword: string;
  readonly retrievalQuestion: string;
  /** NeedleBench's gold string: needle + '*' + keyword. */
  readonly gold: string;
  /** cl100k tokens of haystack NeedleBench aims for (length − buffer − needle), what it got, and where the needle went. */
  readonly targetTokens: number;
  readonly contextTokens: number;
  /** Haystack lines whose tokens were taken (the last one cut). */
  readonly linesUsed: number;
  readonly insertionPoint: number;
  /** insertionPoint / contextTokens in percent (two decimals). */
  readonly depthActual: number;
  /** cl100k tokens of the whole prompt (NeedleBench's own measure of it). */
  readonly promptCl100kTokens: number;
}

const LANGUAGE_NAMES = { en: 'English', zh: 'Chinese' } as const;

/** Haystack line order for a counter: shuffles 0..counter applied in turn to the file's order. */
export function shuffledLines<T>(lines: readonly T[], counter: number): T[] {
  const order = [...lines];
  const random = new PythonRandom();
  for (let c = 0; c <= counter; c += 1) {
    random.seed(c);
    random.shuffle(order);
  }
  return order;
}

/** `get_random_line_by_language(counter, file, language)`. */
export function pickNeedle(needles: readonly NeedleBenchNeedle[], language: NeedleBenchLanguageCode, counter: number, file = 'needles.jsonl'): NeedleBenchNeedle {
  const ofLanguage = needles.filter((needle) => needle.language === LANGUAGE_NAMES[language]);
  if (ofLanguage.length === 0) throw new UserError(`${file}: no needle with language "${LANGUAGE_NAMES[language]}"`, 'add needles in that language or pick the other --language');
  return new PythonRandom(counter).choice(ofLanguage);
}

/** Python's `a.split(sep)` → [0] + middle + [1]; refuses a question without the separator (NeedleBench would crash). */
function splitOnce(text: string, separator: string, what: string): [string, string] {
  const parts = text.split(separator);
  if (parts.length < 2) throw new UserError(`needle question "${what}" has no "${separator}"`, 'v1 inserts its guide sentence before that phrase; use needles whose retrieval_question contains it, or --needlebench-version v2');
  return [parts[0] ?? '', parts[1] ?? ''];
}

/** v1 with guide=True (every v1 config): `_modify_retrieval_question`. */
export function v1GuideQuestion(question: string, language: NeedleBenchLanguageCode): string {
  if (language === 'zh') {
    const [before, after] = splitOnce(question, '请按照', question);
    return `${before}在回答之前，请思考文档中与此问题最相关的内容是什么。请按照${after}`;
  }
  const [before, after] = splitOnce(question, 'Please answer in the format', question);
  return `${before}Before answering, please consider what in the document is most relevant to this question. Please answer in the format${after}`;
}

/** The prompt around the context, question at the end (`position='End'`, every config's default). */
export function originPrompt(version: NeedleBenchVersion, language: NeedleBenchLanguageCode, context: string, question: string): string {
  if (version === 'v1') {
    const guided = v1GuideQuestion(question, language);
    return language === 'zh'
      ? `你是一个善于回答用户问题的智能AI助手\n请保持你的回答简洁清楚。不要说和下面文档中的无关的话，或重复你的回答\n用户现在给你的文档是${context}\n\n现在请问：${guided}`
      : `You are an intelligent AI assistant skilled in answering user questions.\nPlease keep your answers concise and clear. Do not talk about irrelevant topics or repeat your answers.\nThe document given to you by the user is ${context}\n\nNow, the question is: ${guided}`;
  }
  return language === 'zh'
    ? `这是一个长文本能力的测试，你需要首先阅读下面的长文档，然后根据文档中的信息回答最后的问题。\n长文档的内容如下\n\n<文档>\n${context}\n</文档>\n\n根据文档中的信息，现在请问：${question}\n`
    : `This is a test of long-text capability. You need to first read the long document below, and then answer the final question based on the information in the document.\nThe content of the long document is as follows\n\n<Document>\n${context}\n</Document>\n\nBased on the information in the document, now please answer: ${question}\n`;
}

/**
 * Token lists of the shuffled lines, encoded lazily and kept per line: a sweep builds many cells from
 * the same lines, and NeedleBench encodes each line alone (tokens of a line never merge with the next).
 */
export class LineTokens {
  private readonly cache = new Map<HaystackLine, number[]>();

  tokens(line: HaystackLine): number[] {
    let tokens = this.cache.get(line);
    if (!tokens) {
      tokens = encodeCl100k(line.text);
      this.cache.set(line, tokens);
    }
    return tokens;
  }

  /**
   * NeedleBench's haystack: whole lines' tokens appended in order until there are at least `target`,
   * then cut to exactly `target`; `linesUsed` counts the lines read.
   */
  context(lines: readonly HaystackLine[], target: number): { context: number[]; linesUsed: number } {
    const accumulated: number[] = [];
    let linesUsed = 0;
    for (const line of lines) {
      accumulated.push(...this.tokens(line));
      linesUsed += 1;
      if (accumulated.length >= target) break;
    }
    return { context: accumulated.slice(0, target), linesUsed };
  }
}

export function buildOriginCell(spec: OriginCellSpec, haystack: readonly HaystackLine[], needles: readonly NeedleBenchNeedle[], lineTokens = new LineTokens()): OriginCell {
  const lines = shuffledLines(haystack, spec.counter);
  const picked = pickNeedle(needles, spec.language, spec.counter);
  const needle = `\n${picked.needle}\n`;
  const needleTokens = encodeCl100k(needle);
  const target = Math.max(spec.length - spec.lengthBuffer - needleTokens.length, 0);
  const { context, linesUsed } = lineTokens.context(lines, target);
  const insertionPoint = Math.trunc(context.length * (spec.depth / 100));
  const text = decodeCl100k([...context.slice(0, insertionPoint), ...needleTokens, ...context.slice(insertionPoint)]);
  const prompt = originPrompt(spec.version, spec.language, text, picked.retrieval_question);
  return {
    prompt,
    needle,
    keyword: picked.arg2,
    retrievalQuestion: picked.retrieval_question,
    gold: `${needle}*${picked.arg2}`,
    targetTokens: target,
    contextTokens: context.length,
    linesUsed,
    insertionPoint,
    depthActual: context.length === 0 ? 0 : Math.round((10_000 * insertionPoint) / context.length) / 100,
    promptCl100kTokens: encodeCl100k(prompt).length,
  };
}
