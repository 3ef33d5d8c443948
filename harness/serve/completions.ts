/**
 * `POST /v1/completions`: prompt text or token ids (one, or a list), generation with max_tokens,
 * temperature, top_p, seed, stop (and vLLM's stop_token_ids), and `echo` + `logprobs` — with
 * `max_tokens: 0` that is scoring: every prompt token's log-prob, the first null, as vLLM and
 * OpenAI's legacy API return it. Log-probs of generated tokens come from one scoring pass over
 * prompt + output, which gives the same bits the generating pass saw (results never depend on how
 * sequences are split or batched).
 */
import type { GenerationResult, SamplingOptions } from '../../engine/language-model.js';
import { RequestError } from './request-error.js';
import { optionalBoolean, optionalInteger, optionalNumber, requestBody, requireSingleChoice, stopStrings, tokenIds, type Body } from './request-fields.js';
import type { ServedModel } from './served-model.js';

interface Prompt {
  readonly ids: number[];
  /** The prompt as text (given, or decoded from ids with special tokens spelled out). */
  readonly text: string;
}

export interface SamplingFields {
  readonly maxTokens: number;
  readonly sampling: SamplingOptions | undefined;
  readonly stops: string[];
}

/** temperature (default 1, as OpenAI), top_p, seed; temperature 0 is greedy. */
export function samplingFields(body: Body, defaultMaxTokens: number, maxLimit: number): SamplingFields {
  const maxTokens = optionalInteger(body, 'max_tokens', 0, maxLimit) ?? optionalInteger(body, 'max_completion_tokens', 0, maxLimit) ?? defaultMaxTokens;
  const temperature = optionalNumber(body, 'temperature', 0, 2) ?? 1;
  const topP = optionalNumber(body, 'top_p', 0, 1) ?? 1;
  const seed = optionalInteger(body, 'seed', -(2 ** 53), 2 ** 53);
  if (topP === 0) throw new RequestError(400, '"top_p" must be > 0', 'top_p');
  const sampling = temperature === 0 ? undefined : { temperature, topP, seed: seed ?? Math.floor(Math.random() * 2 ** 31) };
  return { maxTokens, sampling, stops: stopStrings(body) };
}

async function readPrompts(served: ServedModel, body: Body): Promise<Prompt[]> {
  const prompt = body.prompt;
  const vocab = served.model.info.vocabSize;
  const one = async (value: unknown): Promise<Prompt> => {
    if (typeof value === 'string') return { ids: await served.encodeWithSpecialTokens(value), text: value };
    const ids = tokenIds(value, vocab, 'prompt');
    return { ids, text: await served.model.tokenizer.decode(ids, false) };
  };
  if (typeof prompt === 'string') return [await one(prompt)];
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((p) => typeof p === 'number')) return [await one(prompt)];
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.length <= 256) return Promise.all(prompt.map(one));
  throw new RequestError(400, '"prompt" must be text, a list of token ids, or a list of either (at most 256)', 'prompt');
}

/** Which stop string cut the text: the one found exactly where the returned text ends. */
async function stopReason(served: ServedModel, result: GenerationResult, stops: readonly string[]): Promise<string | number | null> {
  if (result.finishReason === 'stop_string') {
    const full = await served.model.tokenizer.decode(result.tokenIds);
    return stops.find((s) => full.startsWith(s, result.text.length)) ?? stops[0] ?? null;
  }
  return null;
}

export async function completions(served: ServedModel, raw: unknown): Promise<unknown> {
  const body = requestBody(raw);
  requireSingleChoice(body);
  if (optionalBoolean(body, 'stream')) throw new RequestError(400, '"stream" is served on /v1/chat/completions only', 'stream');
  const prompts = await readPrompts(served, body);
  const echo = optionalBoolean(body, 'echo') ?? false;
  const logprobs = optionalInteger(body, 'logprobs', 0, 20);
  if (logprobs !== undefined && logprobs > 1) throw new RequestError(400, '"logprobs" above 1 (top alternatives) is not served; 0 or 1 give each token\'s own log-prob', 'logprobs');
  const { maxTokens, sampling, stops } = samplingFields(body, 16, served.contextLength);
  const tokenizer = served.model.tokenizer;
  const extraStops = body.stop_token_ids === undefined || body.stop_token_ids === null ? [] : tokenIds(body.stop_token_ids, served.model.info.vocabSize, 'stop_token_ids');
  const stopTokenIds = [...new Set([...(tokenizer.eosId !== undefined && optionalBoolean(body, 'ignore_eos') !== true ? [tokenizer.eosId] : []), ...extraStops])];
  for (const prompt of prompts) served.checkLength(prompt.ids.length, maxTokens);

  let promptTokens = 0;
  let completionTokens = 0;
  const choices = await Promise.all(prompts.map(async (prompt, index) => {
    const generated = maxTokens > 0
      ? await served.batcher.generate({ promptIds: prompt.ids, options: { maxNewTokens: maxTokens, stopTokenIds, stopStrings: stops, ...(sampling ? { sampling } : {}) } })
      : { tokenIds: [], text: '', finishReason: 'max_tokens' as const };
    promptTokens += prompt.ids.length;
    completionTokens += generated.tokenIds.length;
    let logprobBlock: unknown = null;
    if (logprobs !== undefined) {
      // Shown tokens: the prompt's when echoing, then the generated ones.
      const shownIds = [...(echo ? prompt.ids : []), ...generated.tokenIds];
      const all = [...prompt.ids, ...generated.tokenIds];
      const scored = all.length > 1 ? (await served.batcher.score({ prefixIds: all.slice(0, 1), continuations: [all.slice(1)] }))[0]?.tokenLogprobs ?? [] : [];
      // scored[i] is the log-prob of all[i + 1]; all[0] has none.
      const values = all.map((_, i) => (i === 0 ? null : scored[i - 1] ?? null)).slice(echo ? 0 : prompt.ids.length);
      const tokens = await Promise.all(shownIds.map((id) => served.tokenString(id)));
      const offsets: number[] = [];
      let offset = 0;
      for (const token of tokens) {
        offsets.push(offset);
        offset += token.length;
      }
      logprobBlock = {
        tokens,
        token_logprobs: values,
        top_logprobs: values.map((value, i) => (value === null ? null : { [tokens[i] ?? '']: value })),
        text_offset: offsets,
      };
    }
    const finished = maxTokens === 0 || generated.finishReason === 'max_tokens' ? 'length' : 'stop';
    return {
      index,
      text: `${echo ? prompt.text : ''}${generated.text}`,
      logprobs: logprobBlock,
      finish_reason: finished,
      stop_reason: await stopReason(served, generated, stops),
      // The generated ids (vLLM's `return_token_ids` field), so clients count tokens exactly.
      token_ids: generated.tokenIds,
    };
  }));
  return {
    id: `cmpl-${crypto.randomUUID().replaceAll('-', '')}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: served.name,
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
