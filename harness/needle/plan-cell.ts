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
 * (needles excluded), like NeedleBench's `insertion_point = len(context) * depth / 100`; each needle
 * goes on the sentence boundary nearest its target, or inside a sentence at a token position where no
 * boundary is within DEPTH_TOLERANCE points (needle-placement.ts). Depth 0 puts the needle first and
 * 100 last; the record holds the target, the actual depth, the method and a flag when it still misses.
 *
 * A cell whose haystack would be under half its prompt is refused (HaystackTooShortError): such a
 * cell tests the template, not retrieval.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../engine/language-model.js';
import type { TextTokenizer } from '../../engine/language-model.js';
import { cellSeed, haystackSeed, randomIndex, randomSource } from './cell-seed.js';
import { cellKey, type GridCell } from './grid.js';
import type { HaystackLanguage } from './haystack.js';
import type { HaystackTokens } from './haystack-tokens.js';
import { assembleDocument, DEPTH_TOLERANCE, longestPrefix, placeNeedles, type NeedlePlacement, type PlacementMethod } from './needle-placement.js';
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
  /** Haystack sentence the fact goes before (offset 0) or into. */
  readonly boundary: number;
  /** Character offset inside that sentence (0 on a sentence boundary). */
  readonly offset: number;
  readonly method: PlacementMethod;
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
  /** Some fact is further than DEPTH_TOLERANCE points from its target depth. */
  readonly depthFlagged: boolean;
  /** Haystack sentences used, their tokens, where the window started, and whether it wrapped past the end of the text. */
  readonly haystackSentences: number;
  readonly haystackTokens: number;
  readonly haystackStart: number;
  readonly haystackWrapped: boolean;
}

/** The least share of a prompt's length that must be haystack for a cell to test anything. */
export const MIN_HAYSTACK_SHARE = 0.5;

/**
 * A cell whose prompt cannot hold a real haystack: the template, question, needles and answer reserve
 * leave less than MIN_HAYSTACK_SHARE of the length for filler. Thrown by planCell and caught by the
 * sweep's preflight (checkLengths), which turns it into one refusal naming the smallest length that works.
 */
export class HaystackTooShortError extends UserError {
  readonly cell: GridCell;
  /** Tokens the prompt needs besides the haystack (template, question, needles, answer reserve). */
  readonly fixedTokens: number;

  constructor(cell: GridCell, fixedTokens: number, haystackTokens: number) {
    super(
      `--lengths ${cell.lengthTarget}: the prompt's template, question, needles and answer reserve take ${fixedTokens} of its ${cell.lengthTarget} tokens, leaving ${Math.max(0, haystackTokens)} tokens of haystack (less than half the prompt)`,
      'use longer --lengths, fewer needles, or a smaller --answer-tokens',
    );
    this.cell = cell;
    this.fixedTokens = fixedTokens;
  }
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
  readonly placements: NeedlePlacement[];
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
  const fixedTokens = frameTokens + needleTokens + reserve;
  const budget = cell.lengthTarget - fixedTokens;
  if (budget < cell.lengthTarget * MIN_HAYSTACK_SHARE) throw new HaystackTooShortError(cell, fixedTokens, budget);

  const counts: number[] = [];
  const countOf = async (index: number): Promise<number> => {
    while (counts.length <= index) counts.push(await tokens.count(start + counts.length));
    return counts[index] ?? 0;
  };
  let take = 0;
  let used = 0;
  while (used + (await countOf(take)) <= budget) used += counts[take++] ?? 0;

  // The last sentence may be cut short (`tail`) so the haystack fills the prompt to its length.
  let tail: { readonly index: number; readonly text: string } | undefined;
  const sentence = (index: number): string => (tail && index === tail.index ? tail.text : tokens.sentence(start + index));
  const countTokens = async (text: string): Promise<number> => (await tokenizer.encode(text)).length;
  const assemble = async (sentences: number): Promise<Assembly> => {
    const placements = await placeNeedles({ counts: counts.slice(0, sentences), sentence, countTokens, language }, task.facts.map((fact) => fact.depthTarget));
    const document = assembleDocument(sentences, sentence, placements, needleSegments);
    const text = renderPrompt(tokenizer, language, document.trim(), task.question);
    return { text, ids: await encodePrompt(tokenizer, text), placements };
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
      if (take === 0) throw new HaystackTooShortError(cell, total, 0);
      let excess = total - cell.lengthTarget;
      while (excess > 0 && take > 0) excess -= counts[--take] ?? 0;
    }
  }

  // Fill the slack a whole sentence would overflow with the start of the next one, as NeedleBench
  // fills to the token; shrink that piece while BPE merges at the joins push the prompt over.
  for (let slack = cell.lengthTarget - (best.ids.length + reserve) - 1; slack > 0; slack -= 2) {
    const whole = tokens.sentence(start + bestTake);
    const piece = await longestPrefix(whole, slack, countTokens, language);
    if (!piece) break;
    await countOf(bestTake);
    const saved = counts[bestTake] ?? 0;
    counts[bestTake] = piece.tokens;
    tail = { index: bestTake, text: piece.text };
    const assembly = await assemble(bestTake + 1);
    if (assembly.ids.length + reserve <= cell.lengthTarget) {
      best = assembly;
      bestTake += 1;
      break;
    }
    counts[bestTake] = saved;
    tail = undefined;
    slack = Math.min(slack, piece.tokens);
  }

  const haystackTokens = counts.slice(0, bestTake).reduce((a, b) => a + b, 0);
  if (haystackTokens < cell.lengthTarget * MIN_HAYSTACK_SHARE) throw new HaystackTooShortError(cell, cell.lengthTarget - haystackTokens, haystackTokens);
  const placements = task.facts.map((fact, index) => {
    const placed = best?.placements[index] ?? { sentence: 0, offset: 0, method: 'sentence' as const, depthActual: 0 };
    return { ...fact, boundary: placed.sentence, offset: placed.offset, method: placed.method, depthActual: placed.depthActual };
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
    depthFlagged: placements.some((fact) => Math.abs(fact.depthActual - fact.depthTarget) > DEPTH_TOLERANCE),
    haystackSentences: bestTake,
    haystackTokens,
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
