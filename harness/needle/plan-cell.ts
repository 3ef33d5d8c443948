/**
 * Plans one cell: generates its task from the cell seed, fills the prompt with haystack sentences up
 * to the target length in the model's own tokens, and puts each needle on the sentence boundary
 * nearest its target depth.
 *
 * Length: the whole prompt counts — chat template, instructions, document, question — plus a reserve
 * for the answer, so `lengthActual = promptTokens + answerReserve ≤ lengthTarget`. Sentences are
 * counted once (HaystackTokens) and the prompt is assembled by adding counts; since BPE can merge
 * tokens across a join, the assembled prompt is re-encoded and sentences are dropped (or added) until
 * the real count fits. The ids sent to the model are exactly that final encoding.
 *
 * Depth is measured in haystack tokens before the needle, as a percent of all haystack tokens
 * (needles excluded), like NeedleBench's `insertion_point = len(context) * depth / 100` — but moved to
 * the nearest sentence boundary instead of cutting a sentence. Depth 0 puts the needle first and 100
 * last; the record holds both the target and the actual depth.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../engine/language-model.js';
import type { TextTokenizer } from '../../engine/language-model.js';
import { cellSeed, haystackSeed, randomIndex, randomSource } from './cell-seed.js';
import { cellKey, type GridCell } from './grid.js';
import type { HaystackLanguage } from './haystack.js';
import type { HaystackTokens } from './haystack-tokens.js';
import { encodePrompt, renderPrompt } from './prompt.js';
import { generateTask, type NeedleFact, type NeedleTask, type TaskOptions } from './tasks.js';

export interface PlanOptions {
  readonly task: TaskOptions;
  /** Tokens kept free for the answer (also the generation limit). */
  readonly answerReserve: number;
  readonly globalSeed: number | string;
  /** Language of needles and question; defaults to the haystack's. */
  readonly language?: HaystackLanguage;
}

export interface PlacedFact extends NeedleFact {
  /** Haystack sentences before the fact. */
  readonly boundary: number;
  readonly depthActual: number;
}

export interface CellPlan {
  readonly key: string;
  readonly cell: GridCell;
  readonly seed: string;
  readonly task: NeedleTask;
  /** Facts in task order with where they landed; the first is the cell's needle (its depth is the cell's). */
  readonly placements: readonly PlacedFact[];
  readonly promptText: string;
  readonly promptIds: readonly number[];
  readonly promptHash: string;
  readonly promptTokens: number;
  readonly answerReserve: number;
  readonly lengthActual: number;
  readonly depthActual: number;
  /** Haystack sentences used, where the window started, and whether it wrapped past the end of the text. */
  readonly haystackSentences: number;
  readonly haystackStart: number;
  readonly haystackWrapped: boolean;
}

export interface Boundary {
  readonly boundary: number;
  readonly depthActual: number;
}

/**
 * For each depth (percent), the boundary k (0 = before the first sentence, counts.length = after the
 * last) whose token offset is nearest depth% of the total; ties go to the earlier boundary.
 */
export function chooseBoundaries(counts: readonly number[], depths: readonly number[]): Boundary[] {
  const prefix = [0];
  for (const count of counts) prefix.push((prefix[prefix.length - 1] ?? 0) + count);
  const total = prefix[prefix.length - 1] ?? 0;
  return depths.map((depth) => {
    const target = (depth / 100) * total;
    let best = 0;
    for (let k = 1; k < prefix.length; k += 1) {
      if (Math.abs((prefix[k] ?? 0) - target) < Math.abs((prefix[best] ?? 0) - target)) best = k;
    }
    return { boundary: best, depthActual: total === 0 ? 0 : Math.round(((prefix[best] ?? 0) / total) * 10_000) / 100 };
  });
}

interface Assembly {
  readonly text: string;
  readonly ids: number[];
  readonly boundaries: Boundary[];
}

export async function planCell(cell: GridCell, tokens: HaystackTokens, tokenizer: TextTokenizer, options: PlanOptions): Promise<CellPlan> {
  const seed = cellSeed(options.globalSeed, cell.lengthTarget, cell.depthTarget, cell.repeat);
  const language = options.language ?? tokens.haystack.language;
  const fullText = haystackText(tokens);
  const task = generateTask(randomSource(seed), options.task, language, cell.depthTarget, (value) => !fullText.includes(value));
  const start = randomIndex(randomSource(haystackSeed(options.globalSeed, cell.repeat)), tokens.sentenceCount);
  const reserve = options.answerReserve;
  const needleSegments = task.facts.map((fact) => (language === 'en' ? ` ${fact.text}` : fact.text));

  const frameTokens = (await encodePrompt(tokenizer, renderPrompt(tokenizer, language, '', task.question))).length;
  let needleTokens = 0;
  for (const segment of needleSegments) needleTokens += (await tokenizer.encode(segment)).length;
  const budget = cell.lengthTarget - reserve - frameTokens - needleTokens;
  if (budget < 0) {
    throw new UserError(
      `cell ${cellKey(cell)}: the prompt without any haystack needs ${frameTokens + needleTokens + reserve} tokens (question, needles, ${reserve}-token answer reserve), more than the target ${cell.lengthTarget}`,
      'use longer --lengths, fewer needles, or a smaller --answer-tokens',
    );
  }

  const counts: number[] = [];
  const countOf = async (index: number): Promise<number> => {
    while (counts.length <= index) counts.push(await tokens.count(start + counts.length));
    return counts[index] ?? 0;
  };
  let take = 0;
  let used = 0;
  while (used + (await countOf(take)) <= budget) used += counts[take++] ?? 0;

  const assemble = async (sentences: number): Promise<Assembly> => {
    const boundaries = chooseBoundaries(counts.slice(0, sentences), task.facts.map((fact) => fact.depthTarget));
    const byBoundary = new Map<number, string[]>();
    boundaries.forEach((b, index) => byBoundary.set(b.boundary, [...(byBoundary.get(b.boundary) ?? []), needleSegments[index] ?? '']));
    const parts: string[] = [];
    for (let k = 0; k <= sentences; k += 1) {
      parts.push(...(byBoundary.get(k) ?? []));
      if (k < sentences) parts.push(tokens.sentence(start + k));
    }
    const text = renderPrompt(tokenizer, language, parts.join('').trim(), task.question);
    return { text, ids: await encodePrompt(tokenizer, text), boundaries };
  };

  // Verify against the real encoding: shrink while it is too long; grow (a few rounds at most) while
  // the counts were pessimistic and another sentence would still fit.
  let best: Assembly | undefined;
  let bestTake = 0;
  let growRounds = 3;
  for (;;) {
    const assembly = await assemble(take);
    const total = assembly.ids.length + reserve;
    if (total <= cell.lengthTarget) {
      best = assembly;
      bestTake = take;
      let slack = cell.lengthTarget - total;
      let grown = 0;
      while (growRounds > 0 && (await countOf(take + grown)) <= slack) slack -= counts[take + grown++] ?? 0;
      if (grown === 0) break;
      growRounds -= 1;
      take += grown;
    } else {
      growRounds = 0;
      if (best) break;
      if (take === 0) {
        throw new UserError(`cell ${cellKey(cell)}: the prompt needs ${total} tokens even without haystack text, more than the target ${cell.lengthTarget}`, 'use longer --lengths or a smaller --answer-tokens');
      }
      let excess = total - cell.lengthTarget;
      while (excess > 0 && take > 0) excess -= counts[--take] ?? 0;
    }
  }

  const placements = task.facts.map((fact, index) => {
    const b = best?.boundaries[index] ?? { boundary: 0, depthActual: 0 };
    return { ...fact, boundary: b.boundary, depthActual: b.depthActual };
  });
  return {
    key: cellKey(cell),
    cell,
    seed,
    task,
    placements,
    promptText: best.text,
    promptIds: best.ids,
    promptHash: createHash('sha256').update(best.text).digest('hex').slice(0, 16),
    promptTokens: best.ids.length,
    answerReserve: reserve,
    lengthActual: best.ids.length + reserve,
    depthActual: placements[0]?.depthActual ?? 0,
    haystackSentences: bestTake,
    haystackStart: start,
    haystackWrapped: start + bestTake > tokens.sentenceCount,
  };
}

const joinedText = new WeakMap<HaystackTokens, string>();

function haystackText(tokens: HaystackTokens): string {
  let text = joinedText.get(tokens);
  if (text === undefined) {
    text = tokens.haystack.sentences.join('');
    joinedText.set(tokens, text);
  }
  return text;
}
