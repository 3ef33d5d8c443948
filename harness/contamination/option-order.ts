/**
 * Option-order probe (after Oren et al. 2023, "Proving Test Set Contamination in Black Box Language
 * Models"): if the model never saw an item, nothing singles out the published order of its options,
 * so the original order should have the highest log-probability in about 1/m of items (m orders
 * compared). A model that saw the item verbatim prefers the order it saw.
 *
 * Per item: the question is the shared prefix; each order's option block ("A. …\nB. …", letters in
 * place, option texts permuted) is a continuation; the original "ranks first" only when its
 * log-probability is strictly higher than every other order's (a tie is not a win, which keeps the
 * binomial test against 1/m conservative).
 */
import seedrandom from 'seedrandom';
import type { LanguageModel } from '../../engine/language-model.js';
import { CHOICE_LETTERS, type ChoiceLetter } from '../ceval/dataset.js';
import { renderOptions, type ContaminationItem } from './items.js';

export interface OptionOrderScores {
  /** Orders compared, the original included. */
  readonly orders: number;
  readonly originalLogprob: number;
  readonly bestOtherLogprob: number;
  /** 1 + the number of other orders with a strictly higher log-probability. */
  readonly originalRank: number;
  /** Other orders with exactly the original's log-probability. */
  readonly ties: number;
  readonly originalFirst: boolean;
}

function allPermutations<T>(values: readonly T[]): T[][] {
  if (values.length <= 1) return [[...values]];
  return values.flatMap((value, index) => allPermutations([...values.slice(0, index), ...values.slice(index + 1)]).map((rest) => [value, ...rest]));
}

/**
 * The original order first, then the others: all of them when `orders` ≥ 4! = 24, else a sample of
 * `orders − 1` distinct non-original orders, seeded by (seed, item key) so that an item's orders do
 * not depend on which other items run or in what batches.
 */
export function optionOrders(orders: number, seed: string, itemKey: string): ChoiceLetter[][] {
  const [original, ...others] = allPermutations(CHOICE_LETTERS);
  if (!original) return [];
  if (orders >= others.length + 1) return [original, ...others];
  const random = seedrandom(`${seed}:${itemKey}`);
  const pool = [...others];
  // Partial Fisher–Yates: the first `orders − 1` of a shuffled pool.
  for (let i = 0; i < orders - 1; i += 1) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as ChoiceLetter[], pool[i] as ChoiceLetter[]];
  }
  return [original, ...pool.slice(0, Math.max(0, orders - 1))];
}

export function rankOriginal(logprobs: readonly number[]): Omit<OptionOrderScores, 'orders'> {
  const [original = Number.NaN, ...others] = logprobs;
  const higher = others.filter((value) => value > original).length;
  const ties = others.filter((value) => value === original).length;
  return {
    originalLogprob: original,
    bestOtherLogprob: others.length > 0 ? Math.max(...others) : Number.NaN,
    originalRank: 1 + higher,
    ties,
    originalFirst: higher === 0 && ties === 0,
  };
}

/** An item the probe could not score, and why (counted in the summary, never in the rate). */
export interface OptionOrderSkip {
  readonly unscoredReason: string;
}

/**
 * Scores one multiple-choice item's option orders; null for items without options. An item whose
 * question and longest order do not fit the context is skipped (returned with its reason) instead
 * of failing the run, and so is one whose log-probs come back NaN or infinite.
 */
export async function probeOptionOrder(model: LanguageModel, item: ContaminationItem, orders: number, seed: string): Promise<OptionOrderScores | OptionOrderSkip | null> {
  const choices = item.choices;
  if (!choices) return null;
  const bos = model.tokenizer.bosId;
  const question = await model.tokenizer.encode(`${item.question}\n`);
  const prefixIds = bos !== undefined ? [bos, ...question] : question;
  const permutations = optionOrders(orders, seed, item.key);
  const continuations = await Promise.all(permutations.map((order) => model.tokenizer.encode(renderOptions(choices, order))));
  const needed = prefixIds.length + Math.max(...continuations.map((c) => c.length));
  if (needed > model.info.contextLength) {
    return { unscoredReason: `skipped: question and options are ${needed} tokens, longer than the model's context of ${model.info.contextLength} tokens` };
  }
  const scored = await model.scoreContinuations(prefixIds, continuations);
  const logprobs = scored.map((s) => s.sumLogprob);
  const bad = logprobs.find((value) => !Number.isFinite(value));
  if (bad !== undefined) return { unscoredReason: `model error: non-finite log-probability (${bad})` };
  return { orders: permutations.length, ...rankOriginal(logprobs) };
}

export function isOptionOrderSkip(result: OptionOrderScores | OptionOrderSkip | null): result is OptionOrderSkip {
  return result !== null && 'unscoredReason' in result;
}
