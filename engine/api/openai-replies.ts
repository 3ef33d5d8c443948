/**
 * Reading the replies of OpenAI-compatible servers at the edge: each reader checks the fields gnomon
 * uses and throws a ModelRequestError naming the endpoint and the missing field, so a server that
 * answers in another shape never turns into a silent wrong number. Shapes follow OpenAI's API as
 * vLLM (vllm/entrypoints/openai/protocol.py) and LMDeploy (lmdeploy/serve/openai/protocol.py) serve it.
 */
import { ModelRequestError } from '../errors.js';

function malformed(endpoint: string, what: string): ModelRequestError {
  return new ModelRequestError({ status: 200, attempts: 1, message: `${endpoint}: unexpected reply: ${what}` });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

/** `GET /v1/models` → the model ids, with `max_model_len` where the server gives it (vLLM, gnomon). */
export function readModelList(body: unknown): { id: string; maxModelLength?: number }[] {
  const data = record(body)?.data;
  if (!Array.isArray(data)) throw malformed('GET /models', 'no "data" list');
  return data.map((entry) => {
    const id = record(entry)?.id;
    if (typeof id !== 'string') throw malformed('GET /models', 'a model without an "id"');
    const length = record(entry)?.max_model_len;
    return { id, ...(typeof length === 'number' ? { maxModelLength: length } : {}) };
  });
}

/** `stop_string`: finish_reason "stop" with a text `stop_reason` (vLLM, gnomon: the stop string matched). */
export type ServedFinishReason = 'stop' | 'stop_string' | 'length' | 'other';

export interface CompletionChoice {
  readonly text: string;
  readonly finishReason: ServedFinishReason;
  /** `logprobs.token_logprobs` (echo: the prompt's first, null for the first token), when asked for. */
  readonly tokenLogprobs?: readonly (number | null)[];
  /** The generated ids, where the server returns them (`token_ids`: vLLM's return_token_ids, gnomon serve). */
  readonly tokenIds?: readonly number[];
}

function tokenIdsOf(choice: Record<string, unknown>): { tokenIds?: number[] } {
  const ids = choice.token_ids;
  return Array.isArray(ids) && ids.every((id) => Number.isInteger(id)) ? { tokenIds: ids as number[] } : {};
}

function finishReason(choice: Record<string, unknown>): ServedFinishReason {
  const value = choice.finish_reason;
  if (value === 'stop' && typeof choice.stop_reason === 'string') return 'stop_string';
  return value === 'stop' || value === 'length' ? value : 'other';
}

/** `POST /v1/completions` → its first choice. */
export function readCompletion(body: unknown): CompletionChoice {
  const choice = record((record(body)?.choices as unknown[] | undefined)?.[0]);
  if (!choice) throw malformed('POST /completions', 'no "choices"');
  const text = typeof choice.text === 'string' ? choice.text : '';
  const logprobs = record(choice.logprobs);
  const tokenLogprobs = logprobs?.token_logprobs;
  if (tokenLogprobs !== undefined && !(Array.isArray(tokenLogprobs) && tokenLogprobs.every((v) => v === null || typeof v === 'number'))) {
    throw malformed('POST /completions', '"logprobs.token_logprobs" is not a list of numbers');
  }
  return { text, finishReason: finishReason(choice), ...(Array.isArray(tokenLogprobs) ? { tokenLogprobs: tokenLogprobs as (number | null)[] } : {}), ...tokenIdsOf(choice) };
}

/**
 * vLLM's prompt-logprob extension (`prompt_logprobs: 0`): per prompt position null (the first) or
 * `{ "<id>": { "logprob": x } }` holding the prompt token's own entry. Undefined when absent.
 */
export function readPromptLogprobs(body: unknown, promptIds: readonly number[]): (number | null)[] | undefined {
  const list = record((record(body)?.choices as unknown[] | undefined)?.[0])?.prompt_logprobs;
  if (!Array.isArray(list)) return undefined;
  return list.map((entry, position) => {
    const byId = record(entry);
    if (!byId) return null;
    const own = record(byId[String(promptIds[position])]);
    return typeof own?.logprob === 'number' ? own.logprob : null;
  });
}

/** `POST /v1/chat/completions` → the first choice's message content. */
export function readChatCompletion(body: unknown): { text: string; finishReason: ServedFinishReason; tokenIds?: number[] } {
  const choice = record((record(body)?.choices as unknown[] | undefined)?.[0]);
  const message = record(choice?.message);
  if (!choice || !message) throw malformed('POST /chat/completions', 'no "choices[0].message"');
  const content = message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') throw malformed('POST /chat/completions', '"message.content" is not text');
  return { text: content ?? '', finishReason: finishReason(choice), ...tokenIdsOf(choice) };
}

/** vLLM's `POST /tokenize` → `tokens`. */
export function readTokenize(body: unknown): number[] {
  const tokens = record(body)?.tokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t))) throw malformed('POST /tokenize', 'no "tokens" list of ids');
  return tokens as number[];
}

/** vLLM's `POST /detokenize` → `prompt` (llama.cpp's → `content`). */
export function readDetokenize(body: unknown): string {
  const prompt = record(body)?.prompt ?? record(body)?.content;
  if (typeof prompt !== 'string') throw malformed('POST /detokenize', 'no "prompt" text');
  return prompt;
}
