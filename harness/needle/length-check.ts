/**
 * Preflight of a sweep's lengths: before any cell runs, the shortest lengths are planned once, and
 * lengths whose prompt cannot hold a real haystack (template, question, needles and answer reserve
 * leave under half of it) are refused in one error that names the smallest length that works. A
 * sweep never records a cell that tests nothing, and never runs every cell into the same error
 * (`--answer-tokens 5000 --lengths 256,512` is refused here, not 2 × 11 times later).
 */
import { UserError } from '../../engine/language-model.js';
import type { TextTokenizer } from '../../engine/language-model.js';
import type { HaystackTokens } from './haystack-tokens.js';
import { HaystackTooShortError, planCell, type PlanOptions } from './plan-cell.js';

/** Lengths are probed in steps of this many tokens when searching the smallest one that works. */
const PROBE_STEP = 16;

async function fits(length: number, tokens: HaystackTokens, tokenizer: TextTokenizer, options: PlanOptions, depths: readonly number[], repeats: number): Promise<HaystackTooShortError | undefined> {
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    for (const depthTarget of depths) {
      try {
        await planCell({ lengthTarget: length, depthTarget, repeat }, tokens, tokenizer, options);
      } catch (error) {
        if (error instanceof HaystackTooShortError) return error;
        throw error;
      }
    }
  }
  return undefined;
}

/** Throws a UserError listing every too-short length and the smallest length that works. */
export async function checkLengths(lengths: readonly number[], depths: readonly number[], tokens: HaystackTokens, tokenizer: TextTokenizer, options: PlanOptions, repeats = 1, contextLength = Number.POSITIVE_INFINITY): Promise<void> {
  // Every cell of a length is planned (needles and questions differ per cell, so does what is left
  // for haystack); once one length passes, longer ones have more room still.
  const probe = (length: number): Promise<HaystackTooShortError | undefined> => fits(length, tokens, tokenizer, options, depths, repeats);
  const tooShort: number[] = [];
  let fixedTokens = 0;
  for (const length of [...lengths].sort((a, b) => a - b)) {
    const failure = await probe(length);
    if (!failure) break;
    tooShort.push(length);
    fixedTokens = Math.max(fixedTokens, failure.fixedTokens);
  }
  if (tooShort.length === 0) return;
  let smallest = Math.ceil(Math.max((tooShort[tooShort.length - 1] ?? 0) + 1, 2 * fixedTokens) / PROBE_STEP) * PROBE_STEP;
  for (let tries = 0; tries < 256 && (await probe(smallest)); tries += 1) smallest += PROBE_STEP;
  throw new UserError(
    `--lengths ${tooShort.join(',')}: too short for a real haystack — the template, question, needles and ${options.answerReserve}-token answer reserve take ${fixedTokens} tokens, and a cell needs at least half its length as haystack`,
    smallest > contextLength
      ? `the smallest length that works with these settings is ${smallest} tokens, more than the model's context (${contextLength}): use a smaller --answer-tokens or fewer needles`
      : `the smallest length that works with these settings is ${smallest} tokens: start --lengths there (e.g. --lengths ${smallest},...) or use a smaller --answer-tokens`,
  );
}
