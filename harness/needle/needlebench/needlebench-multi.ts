/**
 * NeedleBench v2 multi-needle reasoning (M-RS), as NeedleBenchMultiDataset.load builds it
 * (opencompass/datasets/needlebench_v2/multi.py, relationship phrases from needlebench_v2/atc.py):
 *
 *   names = random.sample(names.json[language].split(','), needles + 1) after random.seed(counter);
 *   each adjacent pair becomes a kinship sentence (random.choice of template, then of term), the
 *   sentences are shuffled (random.shuffle), and the question asks for the eldest relative of the
 *   last name — the first name is the answer;
 *   the haystack is cut as for the single needle (length − buffer − all needles' tokens), the first
 *   needle goes in at int(len × depth / 100) and each next one `diff` percent of the haystack after
 *   the previous (plus its length — then shifted again by it, as the code does), capped at the end.
 *
 * Scored by NeedleBenchATCEvaluator after needlebench_atc_postprocess_v2: the last \boxed{…} of the
 * reply, cleaned by clean_atc_answer, must equal the name (100 or 0).
 *
 * v1 (opencompass/datasets/needlebench/multi.py) differs only in where the needles come from — a
 * record of `multi_needle_reasoning_{en,zh}.json` with `derivation_count == needles`, picked by
 * random.choice after random.seed(counter) — and in its prompt (v1's single-needle template, the
 * guide sentence appended to the question) and scorer (NeedleBenchMultiEvaluator: the share of the
 * answer's lower-cased words found in the lower-cased reply).
 */
import { UserError } from '../../../engine/language-model.js';
import { decodeCl100k, encodeCl100k } from './cl100k.js';
import type { HaystackLine, ReasoningRecord } from './needlebench-data.js';
import { LineTokens, shuffledLines, type NeedleBenchLanguageCode } from './needlebench-origin.js';
import { PythonRandom } from './python-random.js';

const TEMPLATES: Readonly<Record<NeedleBenchLanguageCode, readonly string[]>> = {
  zh: [
    '{A}是{B}的{relationship}。',
    '{B}的{relationship}是{A}。',
    '{A}作为{B}的{relationship}，对{B}的成长有重要影响。',
    '{A}不仅是{B}的{relationship}，还是{B}的榜样。',
    '{A}在{B}的成长过程中，不仅仅是{B}的{relationship}，还是{B}的监护人。',
    '{A}对{B}来说，不只是一个{relationship}，还是一个朋友。',
  ],
  en: [
    "{A} is {B}'s {relationship}.",
    "{B}'s {relationship} is {A}.",
    "{A}, as {B}'s {relationship}, has a significant impact on {B}'s upbringing.",
    "{A} is not only {B}'s {relationship} but also {B}'s role model.",
    "During {B}'s upbringing, {A} was not only {B}'s {relationship}, but also {B}'s guardian.",
    'For {B}, {A} is not just a {relationship}, but also a friend.',
    'For {B}, {A} is more than just a {relationship}; {A} is a lifelong mentor of {B}.',
  ],
};

const TERMS: Readonly<Record<NeedleBenchLanguageCode, readonly string[]>> = {
  zh: ['父亲', '母亲', '爸爸', '妈妈', '爷爷', '奶奶', '姥姥', '姥爷', '外公', '外婆'],
  en: ['father', 'mother', 'dad', 'mom', 'grandfather', 'grandmother', 'maternal grandmother', 'maternal grandfather', 'paternal grandfather', 'paternal grandmother'],
};

export interface KinshipNeedles {
  /** The kinship sentences in the order they are inserted (shuffled). */
  readonly needles: readonly string[];
  readonly answer: string;
  readonly question: string;
  readonly lastPerson: string;
}

/** `get_random_needles(counter, names.json, count, language)`. */
export function kinshipNeedles(names: readonly string[], count: number, language: NeedleBenchLanguageCode, counter: number): KinshipNeedles {
  if (count > names.length) throw new UserError(`names.json: ${names.length} ${language} names, fewer than the ${count} a ${count - 1}-needle chain needs`, 'add names or use fewer --needles');
  const random = new PythonRandom(counter);
  const picked = random.sample(names, count);
  let story = '';
  for (let i = 0; i < picked.length - 1; i += 1) {
    const template = random.choice(TEMPLATES[language]);
    const term = random.choice(TERMS[language]);
    // Function replacers: a name is inserted as written, even one with `$&` in it.
    story += `${template.replace(/\{A\}/g, () => picked[i] ?? '').replace(/\{B\}/g, () => picked[i + 1] ?? '').replace(/\{relationship\}/g, () => term)}*`;
  }
  const fragments = story.split('*').filter((fragment) => fragment !== '');
  random.shuffle(fragments);
  const lastPerson = picked[picked.length - 1] ?? '';
  const question = language === 'zh'
    ? `在上面提供的文本中，'${lastPerson}'的能够向上追溯到的最年长的亲人是谁？`
    : `Given the context described above, who is the eldest relative that '${lastPerson}' can trace back to in the context?`;
  return { needles: fragments, answer: picked[0] ?? '', question, lastPerson };
}

/** The v2 multi-reasoning prompt, question at the end. */
export function multiReasoningPrompt(language: NeedleBenchLanguageCode, context: string, question: string, lastPerson: string): string {
  if (language === 'zh') {
    return `这是一个长文本能力的测试，你需要首先阅读下面的长文档，然后根据文档中的信息回答最后的问题。
长文档的内容如下

<文档>
${context}
</文档>

根据文档中的信息，现在请问：${question}

例如：
例子1.如果张强的父亲是马克，除此以外提供的文本中没有更多关于亲属关系的信息，那么在提供的文本中张强能够向上追溯到的最年长的亲人就是马克。
例子2.如果李明的姥姥是张红，而张红的父亲是张强，除此以外提供的文本中没有更多关于亲属关系的信息，那么在提供的文本中李明能够向上追溯到的最年长的亲人就是张强。
例子3.如果小明是张红的曾孙女，张红的祖母是王华，王华的父亲是王刚，除此以外提供的文本中没有更多关于亲属关系的信息，那么小明能够向上追溯到的最年长的亲人就是王刚。

注意：
1. 你不必纠结这个测试中的人名的性别关系，例如，一个通常被视为女性化的名字仍然可以是其他人的父亲，我们的重点是谁更年长。
2. 忽略这个测试中的姓氏遗传问题，例如，李明仍然可能是王鹏的亲生父亲，我们只关注谁更年长，不必纠结孩子是否应该继承父亲或母亲的性别。
3. 在回答的最后，将你的答案放在\\boxed{}中，例如：“所以${lastPerson}能向上追溯到的最年长的亲人就是\\boxed{（你的答案）}”

`;
  }
  return `This is a test of long-text capability. You need to first read the long document below, and then answer the final question based on the information in the document.
The content of the long document is as follows

<Document>
${context}
</Document>

Based on the information in the document, now please answer: ${question}

For example:
Example 1: If James Hill's father is Jasmine Lane, and no further information about familial relationships is provided in the text, then the oldest relative James Hill can trace back to in the provided text is \\boxed{Jasmine Lane}.
Example 2: If Andrew Williams's grandmother is Dan Newton, and Dan Newton's father is James Hill, and no further information about familial relationships is provided in the text, then the oldest relative Andrew Williams can trace back to in the provided text is \\boxed{James Hill}.
Example 3: If Jeff White's father is Kevin Le, Dan Newton's grandmother is Jeff White, and Jeff White's father is Kevin Le, and Shelley Mills is Dan Newton's great-granddaughter, and no further information about familial relationships is provided in the text, then the oldest relative Shelley Mills can trace back to in the provided text is \\boxed{Kevin Le}.

Notes:
1. You do not need to worry about the gender consistency of names in this test. For example, a name that is typically considered feminine can still be the father of another person. Our primary focus is on who is older.
2. Ignore surname inheritance issues. For instance, Andrew Williams could still be the biological father of Christopher Baker. We only care about who is older and do not need to consider whether a child should inherit the father's or mother's surname.
3. At the end of your response, remember to put your final answer within \\boxed{}. For example: "So the oldest relative '${lastPerson}' can trace back to in the provided text is \\boxed{(your answer here)}."

`;
}

export interface MultiCellSpec {
  readonly language: NeedleBenchLanguageCode;
  readonly length: number;
  readonly depth: number;
  readonly counter: number;
  readonly lengthBuffer: number;
  /** Kinship sentences (NeedleBench's num_needles; names drawn = needles + 1). */
  readonly needles: number;
  /** Percent of the haystack between successive needles (the configs' diff = 10). */
  readonly diff: number;
}

export interface MultiCell {
  readonly prompt: string;
  /** The kinship sentences as inserted ('\n' + sentence + '\n'), in insertion order. */
  readonly needles: readonly string[];
  readonly answer: string;
  readonly question: string;
  readonly targetTokens: number;
  readonly contextTokens: number;
  readonly linesUsed: number;
  /** Haystack tokens before each needle, as a percent of all haystack tokens. */
  readonly depthsActual: readonly number[];
}

/** v1 `get_random_needles(counter, file, needle_count)`: a record with that many derivations. */
export function reasoningRecord(records: readonly ReasoningRecord[], needles: number, counter: number, file = 'multi_needle_reasoning.json'): ReasoningRecord {
  const matching = records.filter((record) => record.derivation_count === needles);
  if (matching.length === 0) throw new UserError(`${file}: no record with derivation_count ${needles}`, 'use a --needles count the file has records for (NeedleBench\'s have 2 to 5)');
  return new PythonRandom(counter).choice(matching);
}

/** v1's multi-needle prompt: the single-needle v1 template, guide sentence after the question. */
export function v1MultiReasoningPrompt(language: NeedleBenchLanguageCode, context: string, question: string): string {
  return language === 'zh'
    ? `你是一个善于回答用户问题的智能AI助手\n请保持你的回答简洁清楚。不要说和下面文档中的无关的话，或重复你的回答\n用户现在给你的文档是${context}\n\n现在请问：${question}在回答之前，请思考文档中与此问题最相关的内容是什么。`
    : `You are an intelligent AI assistant skilled in answering user questions.\nPlease keep your answers concise and clear. Do not talk about irrelevant topics or repeat your answers.\nThe document given to you by the user is ${context}\n\nNow, the question is: ${question}Before answering, please consider what in the document is most relevant to this question.`;
}

/** Where a cell's reasoning needles come from: v2 draws people from names.json, v1 picks a record. */
export type ReasoningSource =
  | { readonly version: 'v2'; readonly names: readonly string[] }
  | { readonly version: 'v1'; readonly records: readonly ReasoningRecord[] };

export function buildMultiReasoningCell(spec: MultiCellSpec, haystack: readonly HaystackLine[], source: ReasoningSource, lineTokens = new LineTokens()): MultiCell {
  const lines = shuffledLines(haystack, spec.counter);
  let kin: KinshipNeedles;
  if (source.version === 'v2') {
    kin = kinshipNeedles(source.names, spec.needles + 1, spec.language, spec.counter);
  } else {
    const record = reasoningRecord(source.records, spec.needles, spec.counter);
    kin = { needles: record.derivations, answer: record.answer, question: record.question, lastPerson: '' };
  }
  const needles = kin.needles.map((needle) => `\n${needle}\n`);
  const needleTokens = needles.map((needle) => encodeCl100k(needle));
  const target = Math.max(spec.length - spec.lengthBuffer - needleTokens.reduce((sum, tokens) => sum + tokens.length, 0), 0);
  const { context, linesUsed } = lineTokens.context(lines, target);
  const total = context.length;
  // `_generate_context`, step for step (including the second shift by each needle's length).
  const points: number[] = [];
  needleTokens.forEach((_, i) => {
    let point = i === 0 ? Math.trunc(total * (spec.depth / 100)) : Math.trunc((points[i - 1] ?? 0) + (needleTokens[i - 1]?.length ?? 0) + total * (spec.diff / 100));
    point = Math.min(point, total + needleTokens.slice(0, i).reduce((sum, tokens) => sum + tokens.length, 0));
    points.push(point);
  });
  let tokens = [...context];
  // Tags shadow the tokens: -1 haystack, i needle i (to measure each needle's depth afterwards).
  let tags: number[] = context.map(() => -1);
  needleTokens.forEach((inserted, i) => {
    const at = points[i] ?? 0;
    tokens = [...tokens.slice(0, at), ...inserted, ...tokens.slice(at)];
    tags = [...tags.slice(0, at), ...inserted.map(() => i), ...tags.slice(at)];
    for (let j = i + 1; j < points.length; j += 1) points[j] = (points[j] ?? 0) + inserted.length;
  });
  const depthsActual = needles.map((_, i) => {
    const first = tags.indexOf(i);
    const before = tags.slice(0, first).filter((tag) => tag === -1).length;
    return total === 0 ? 0 : Math.round((10_000 * before) / total) / 100;
  });
  return {
    prompt: source.version === 'v2' ? multiReasoningPrompt(spec.language, decodeCl100k(tokens), kin.question, kin.lastPerson) : v1MultiReasoningPrompt(spec.language, decodeCl100k(tokens), kin.question),
    needles,
    answer: kin.answer,
    question: kin.question,
    targetTokens: target,
    contextTokens: total,
    linesUsed,
    depthsActual,
  };
}
