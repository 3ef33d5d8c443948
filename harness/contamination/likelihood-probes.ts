/**
 * Likelihood probes: how easily the model predicts an item's own text, with no corpus needed.
 * Each item's text is scored as the continuation of [bos], giving one log-prob per token.
 *
 *  - mean NLL: −(1/N) Σ log p(token_i | earlier tokens), nats per token (= log-perplexity).
 *  - Min-K% prob (Shi et al. 2023, "Detecting Pretraining Data from Large Language Models"): the
 *    mean of the lowest k% token log-probs (k = 20 by default; at least one token). Seen text has
 *    few very unlikely tokens, so higher (closer to 0) suggests membership.
 *  - zlib ratio (Carlini et al. 2021, "Extracting Training Data from Large Language Models",
 *    section 6.1): log-perplexity / zlib entropy = mean NLL (nats/token) / byte length of
 *    zlib.compress(UTF-8 text) at the default level 6 — the formula of their released code
 *    (`np.log(perplexity) / len(zlib.compress(text))`). Text that is hard to compress but easy for the
 *    model has a low ratio, which suggests memorisation.
 *
 * Every score is also turned into a "membership score" oriented so that higher means "looks more
 * like seen text", which is what AUROC and the tests compare.
 */
import { deflateSync } from 'node:zlib';
import type { LanguageModel, RequestFailureInfo, ScoreRequest } from '../../engine/language-model.js';
import { failureRecord, isRequestFailure, settledBatch } from '../request-failures.js';

export interface LikelihoodScores {
  /** Tokens scored (the first token is unscored when the tokenizer has no bos). */
  readonly tokens: number;
  readonly meanNll: number;
  readonly minK: number;
  readonly minKPercent: number;
  readonly zlibBytes: number;
  readonly zlibRatio: number;
}

export function meanNegativeLogLikelihood(logprobs: readonly number[]): number {
  if (logprobs.length === 0) return Number.NaN;
  return -logprobs.reduce((sum, value) => sum + value, 0) / logprobs.length;
}

/** Mean of the lowest ⌊N·k/100⌋ log-probs (at least one), natural log. */
export function minKPercentLogprob(logprobs: readonly number[], kPercent: number): number {
  if (logprobs.length === 0) return Number.NaN;
  const count = Math.max(1, Math.floor((logprobs.length * kPercent) / 100));
  const lowest = [...logprobs].sort((a, b) => a - b).slice(0, count);
  return lowest.reduce((sum, value) => sum + value, 0) / count;
}

/** Bytes of the zlib stream (header and checksum included) of the UTF-8 text, level 6 as Python's default. */
export function zlibCompressedBytes(text: string): number {
  return deflateSync(Buffer.from(text, 'utf8'), { level: 6 }).length;
}

export function likelihoodScores(logprobs: readonly number[], text: string, kPercent: number): LikelihoodScores {
  const meanNll = meanNegativeLogLikelihood(logprobs);
  const zlibBytes = zlibCompressedBytes(text);
  return { tokens: logprobs.length, meanNll, minK: minKPercentLogprob(logprobs, kPercent), minKPercent: kPercent, zlibBytes, zlibRatio: meanNll / zlibBytes };
}

export type LikelihoodMethod = 'mean_nll' | 'min_k' | 'zlib_ratio';

export interface MembershipScore {
  readonly method: LikelihoodMethod;
  readonly label: string;
  /** What a higher membership score means, in words for the report. */
  readonly reading: string;
  readonly membership: (scores: LikelihoodScores) => number;
}

export const MEMBERSHIP_SCORES: readonly MembershipScore[] = [
  { method: 'mean_nll', label: 'mean NLL', reading: 'lower NLL (text is easy for the model)', membership: (s) => -s.meanNll },
  { method: 'min_k', label: 'Min-K% prob', reading: 'higher mean of the lowest k% token log-probs', membership: (s) => s.minK },
  { method: 'zlib_ratio', label: 'zlib ratio', reading: 'lower NLL / zlib bytes (easy for the model, hard for zlib)', membership: (s) => -s.zlibRatio },
];

export interface ScoreTextsOptions {
  readonly kPercent: number;
  /** Items per `scoreBatch` call; results do not depend on it. */
  readonly batchSize: number;
  /**
   * Called with each batch's results as they finish, for records written one by one; an unscored
   * text gets null and the reason (no scorable token, longer than the context, a model error), and
   * a served model's failed request its failure.
   */
  readonly onScored?: (index: number, scores: LikelihoodScores | null, unscoredReason?: string, failure?: RequestFailureInfo) => void;
}

/**
 * Scores texts through the model in batches. The prefix is [bos] when the tokenizer has one;
 * otherwise the first token is the prefix (and goes unscored). A text is never cut to fit: one
 * longer than the context is skipped with its reason (as `harness ceval` skips long prompts), and so
 * is one whose log-probs come back NaN or infinite — neither enters any mean.
 */
export async function scoreTexts(model: LanguageModel, texts: readonly string[], options: ScoreTextsOptions): Promise<(LikelihoodScores | null)[]> {
  const results: (LikelihoodScores | null)[] = [];
  const bos = model.tokenizer.bosId;
  for (let start = 0; start < texts.length; start += options.batchSize) {
    const batch = texts.slice(start, start + options.batchSize);
    const encoded = await Promise.all(batch.map((text) => model.tokenizer.encode(text)));
    const requests: ScoreRequest[] = [];
    const positions: number[] = [];
    const batchResults: (LikelihoodScores | null)[] = batch.map(() => null);
    const reasons: (string | undefined)[] = batch.map(() => undefined);
    encoded.forEach((ids, offset) => {
      const prefixIds = bos !== undefined ? [bos] : ids.slice(0, 1);
      const rest = bos !== undefined ? ids : ids.slice(1);
      if (rest.length === 0 || prefixIds.length === 0) {
        reasons[offset] = 'no scorable token';
        return;
      }
      if (prefixIds.length + rest.length > model.info.contextLength) {
        reasons[offset] = `skipped: ${prefixIds.length + rest.length} tokens (with the prefix), longer than the model's context of ${model.info.contextLength} tokens`;
        return;
      }
      requests.push({ prefixIds, continuations: [rest] });
      positions.push(offset);
    });
    const scored = requests.length > 0 ? await settledBatch(() => model.scoreBatch(requests), requests.length) : [];
    // A served model's failed request: no score, and the failure goes into the item's record.
    const failures = new Map<number, RequestFailureInfo>();
    scored.forEach((result, r) => {
      const offset = positions[r] ?? 0;
      if (isRequestFailure(result)) {
        failures.set(offset, failureRecord(result));
        return;
      }
      const logprobs = result[0]?.tokenLogprobs ?? [];
      const bad = logprobs.findIndex((value) => !Number.isFinite(value));
      if (logprobs.length === 0) reasons[offset] = 'no scorable token';
      else if (bad >= 0) reasons[offset] = `model error: non-finite log-probability (${logprobs[bad]}) at token ${bad}`;
      else batchResults[offset] = likelihoodScores(logprobs, batch[offset] ?? '', options.kPercent);
    });
    batchResults.forEach((scores, offset) => {
      results.push(scores);
      options.onScored?.(start + offset, scores, reasons[offset], failures.get(offset));
    });
  }
  return results;
}
