/**
 * Needle tasks, generated per cell from the cell's seed. Each needle is a key → value fact
 * ("The secret code for the blue door is 482193."), in the language of the haystack.
 *
 * - single: one fact at the cell's depth (NeedleBench S-RT, the original needle test).
 * - multi-retrieval: k facts, the first at the cell's depth and each next one `spacing` percent
 *   further (NeedleBench M-RT's `diff`); all values must be recalled.
 * - multi-reasoning: a chain of k facts ("A's code is the same as B's", …, "Z's code is 482193"),
 *   placed like multi-retrieval in a shuffled order; answering needs every link (NeedleBench M-RS).
 * - multi-key: the asked fact at the cell's depth plus `distractors` facts of the same form with
 *   other keys at random depths (RULER's multi-key NIAH).
 */
import { randomIndex, shuffled, type RandomSource } from './cell-seed.js';
import type { HaystackLanguage } from './haystack.js';

export const TASK_KINDS = ['single', 'multi-retrieval', 'multi-reasoning', 'multi-key'] as const;
export type NeedleTaskKind = (typeof TASK_KINDS)[number];

export interface TaskOptions {
  readonly kind: NeedleTaskKind;
  /** Facts for multi-retrieval and chain length for multi-reasoning (≥ 2). */
  readonly needles: number;
  /** Distractor facts for multi-key. */
  readonly distractors: number;
  /** Percent of the document between successive needles of multi-needle tasks. */
  readonly spacing: number;
}

export type FactRole = 'answer' | 'link' | 'distractor';

export interface NeedleFact {
  /** The sentence inserted into the haystack. */
  readonly text: string;
  readonly key: string;
  /** The code the fact gives, or for a link the key it points to. */
  readonly value: string;
  readonly role: FactRole;
  /** Where the fact should go, percent of the haystack. */
  readonly depthTarget: number;
}

export interface NeedleTask {
  readonly kind: NeedleTaskKind;
  readonly language: HaystackLanguage;
  readonly facts: readonly NeedleFact[];
  readonly question: string;
  /** Values a correct answer contains (one, or all k for multi-retrieval). */
  readonly expected: readonly string[];
  /** Values a multi-key answer must not contain. */
  readonly distractorValues: readonly string[];
}

const EN_COLOURS = ['blue', 'red', 'green', 'amber', 'silver', 'violet', 'golden', 'white', 'black', 'crimson', 'teal', 'ivory'] as const;
const EN_OBJECTS = ['door', 'lantern', 'box', 'gate', 'chest', 'notebook', 'bicycle', 'boat', 'window', 'drawer', 'umbrella', 'suitcase'] as const;
const ZH_COLOURS = ['蓝色', '红色', '绿色', '琥珀色', '银色', '紫色', '金色', '白色', '黑色', '深红色', '青色', '象牙色'] as const;
const ZH_OBJECTS = ['门', '灯笼', '箱子', '大门', '柜子', '笔记本', '自行车', '小船', '窗户', '抽屉', '雨伞', '行李箱'] as const;

interface Phrasing {
  key(colour: number, object: number): string;
  fact(key: string, value: string): string;
  link(key: string, next: string): string;
  askOne(key: string): string;
  askMany(keys: readonly string[]): string;
}

const PHRASING: Readonly<Record<HaystackLanguage, Phrasing>> = {
  en: {
    key: (c, o) => `the ${EN_COLOURS[c]} ${EN_OBJECTS[o]}`,
    fact: (key, value) => `The secret code for ${key} is ${value}.`,
    link: (key, next) => `The secret code for ${key} is the same as the secret code for ${next}.`,
    askOne: (key) => `What is the secret code for ${key}? Answer with the code only.`,
    askMany: (keys) => `What are the secret codes for ${englishList(keys)}? Give every code.`,
  },
  zh: {
    key: (c, o) => `${ZH_COLOURS[c]}的${ZH_OBJECTS[o]}`,
    fact: (key, value) => `${key}的密码是${value}。`,
    link: (key, next) => `${key}的密码和${next}的密码相同。`,
    askOne: (key) => `${key}的密码是多少？请只回答密码。`,
    askMany: (keys) => `${keys.join('、')}的密码分别是多少？请给出每一个密码。`,
  },
};

function englishList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Generates a cell's task. `isUsable(value)` rejects values that already occur in the haystack, so a
 * value appears in the prompt only where a needle puts it.
 */
export function generateTask(random: RandomSource, options: TaskOptions, language: HaystackLanguage, depthTarget: number, isUsable: (value: string) => boolean = () => true): NeedleTask {
  const phrasing = PHRASING[language];
  const factCount = options.kind === 'single' ? 1 : options.kind === 'multi-key' ? 1 + options.distractors : options.needles;
  const keys = distinctKeys(random, phrasing, factCount);
  const values = distinctValues(random, factCount, isUsable);
  const spaced = (index: number): number => Math.min(100, depthTarget + index * options.spacing);
  const fact = (index: number, role: FactRole, depth: number): NeedleFact => ({
    text: phrasing.fact(keys[index] ?? '', values[index] ?? ''), key: keys[index] ?? '', value: values[index] ?? '', role, depthTarget: depth,
  });

  switch (options.kind) {
    case 'single':
      return { kind: options.kind, language, facts: [fact(0, 'answer', depthTarget)], question: phrasing.askOne(keys[0] ?? ''), expected: [values[0] ?? ''], distractorValues: [] };
    case 'multi-retrieval': {
      const facts = keys.map((_, index) => fact(index, 'answer', spaced(index)));
      return { kind: options.kind, language, facts, question: phrasing.askMany(keys), expected: values, distractorValues: [] };
    }
    case 'multi-reasoning': {
      // keys[0] → keys[1] → … → keys[k-1] = value; the question asks for keys[0].
      const last = factCount - 1;
      const chain: Omit<NeedleFact, 'depthTarget'>[] = keys.map((key, index) =>
        index === last
          ? { text: phrasing.fact(key, values[last] ?? ''), key, value: values[last] ?? '', role: 'answer' as const }
          : { text: phrasing.link(key, keys[index + 1] ?? ''), key, value: keys[index + 1] ?? '', role: 'link' as const });
      const order = shuffled(random, chain);
      const facts = order.map((item, index) => ({ ...item, depthTarget: spaced(index) }));
      return { kind: options.kind, language, facts, question: phrasing.askOne(keys[0] ?? ''), expected: [values[last] ?? ''], distractorValues: [] };
    }
    case 'multi-key': {
      const facts = [fact(0, 'answer', depthTarget)];
      for (let index = 1; index < factCount; index += 1) facts.push(fact(index, 'distractor', Math.round(random() * 1000) / 10));
      return { kind: options.kind, language, facts, question: phrasing.askOne(keys[0] ?? ''), expected: [values[0] ?? ''], distractorValues: values.slice(1) };
    }
  }
}

function distinctKeys(random: RandomSource, phrasing: Phrasing, count: number): string[] {
  const pairs: [number, number][] = [];
  const used = new Set<string>();
  // Colours and objects both distinct while they last, so keys differ in every word a model reads.
  while (pairs.length < count) {
    const colour = randomIndex(random, EN_COLOURS.length);
    const object = randomIndex(random, EN_OBJECTS.length);
    const fresh = pairs.length < EN_COLOURS.length ? pairs.every(([c, o]) => c !== colour && o !== object) : !used.has(`${colour}:${object}`);
    if (fresh) {
      pairs.push([colour, object]);
      used.add(`${colour}:${object}`);
    }
  }
  return pairs.map(([colour, object]) => phrasing.key(colour, object));
}

function distinctValues(random: RandomSource, count: number, isUsable: (value: string) => boolean): string[] {
  const values: string[] = [];
  for (let attempt = 0; values.length < count; attempt += 1) {
    // Six digits without a leading zero: 900 000 choices, far from any chance collision.
    const value = String(100_000 + randomIndex(random, 900_000));
    const clash = values.some((other) => other.includes(value) || value.includes(other));
    if (!clash && (isUsable(value) || attempt > 10_000)) values.push(value);
  }
  return values;
}

export const MAX_FACTS = EN_COLOURS.length * EN_OBJECTS.length;
