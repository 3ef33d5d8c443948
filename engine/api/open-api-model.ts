/**
 * Opens a served model: checks the endpoint answers `/models`, picks the model, finds a tokenizer
 * (`--tokenizer DIR`, else the server's /tokenize) and the context length, and returns the
 * LanguageModel. Everything a user can get wrong here is a UserError that says what to pass.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { ModelRequestError, UserError } from '../errors.js';
import type { TextTokenizer } from '../language-model.js';
import { loadTokenizer } from '../tokenizer/tokenizer.js';
import { ApiClient } from './api-client.js';
import { ApiLanguageModel, type ApiChatChoice, type ScoringMethod } from './api-model.js';
import { readModelList } from './openai-replies.js';
import { ServedTokenizer } from './served-tokenizer.js';

export interface OpenApiModelOptions {
  /** e.g. `http://127.0.0.1:23333/v1`. */
  readonly baseUrl: string;
  /** Default: the only model the server lists. */
  readonly model?: string | undefined;
  readonly apiKey?: string | undefined;
  /** The environment variable the key came from (named in messages instead of the key). */
  readonly apiKeySource?: string;
  readonly chat?: ApiChatChoice;
  /** Generation prompts to /completions as token ids (default) or text. */
  readonly promptFormat?: 'ids' | 'text';
  readonly concurrency?: number;
  readonly queriesPerSecond?: number | undefined;
  readonly maxRetries?: number;
  readonly requestTimeoutSeconds?: number;
  /** The served model's tokenizer files (tokenizer.json, tokenizer_config.json). */
  readonly tokenizerDir?: string | undefined;
  /** Default: the server's `max_model_len`. */
  readonly contextLength?: number | undefined;
  readonly seed?: number;
  readonly scoring?: ScoringMethod;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly slowRequestMs?: number;
  readonly log?: (line: string) => void;
}

/** What a served model of unknown context is assumed to take (a warning says so). */
const ASSUMED_CONTEXT = 32_768;

function checkedWhole(value: number, min: number, flag: string, hint: string): number {
  if (!Number.isInteger(value) || value < min) throw new UserError(`${flag} ${value}: expected a whole number ≥ ${min}`, hint);
  return value;
}

export async function openApiModel(options: OpenApiModelOptions): Promise<ApiLanguageModel> {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new UserError(`--api-base ${options.baseUrl}: not a URL`, 'e.g. --api-base http://127.0.0.1:23333/v1');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`--api-base ${options.baseUrl}: expected http:// or https://`, 'e.g. --api-base http://127.0.0.1:23333/v1');
  // Credentials in the URL would be written wherever the endpoint is (run.json, logs): refuse them.
  if (url.username !== '' || url.password !== '') {
    throw new UserError(`--api-base ${url.protocol}//…@${url.host}${url.pathname}: the URL holds a user name or password`, `drop it from the URL and put the key in $${options.apiKeySource ?? 'OPENAI_API_KEY'} (or --api-key-env VAR)`);
  }
  const concurrency = checkedWhole(options.concurrency ?? 4, 1, '--concurrency', 'e.g. --concurrency 8');
  const maxRetries = checkedWhole(options.maxRetries ?? 5, 0, '--max-retries', 'e.g. --max-retries 5');
  const timeout = options.requestTimeoutSeconds ?? 600;
  if (!(timeout > 0)) throw new UserError(`--request-timeout ${timeout}: expected seconds > 0`, 'e.g. --request-timeout 120');
  if (options.queriesPerSecond !== undefined && !(options.queriesPerSecond > 0)) throw new UserError(`--qps ${options.queriesPerSecond}: expected a rate > 0`, 'e.g. --qps 2 (OpenCompass\'s query_per_second)');
  const client = new ApiClient({
    baseUrl: options.baseUrl, apiKey: options.apiKey, apiKeySource: options.apiKeySource ?? 'OPENAI_API_KEY',
    concurrency, queriesPerSecond: options.queriesPerSecond, maxRetries, requestTimeoutMs: timeout * 1000,
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...(options.slowRequestMs !== undefined ? { slowRequestMs: options.slowRequestMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });

  let listed: ReturnType<typeof readModelList>;
  try {
    listed = readModelList(await client.get('models'));
  } catch (error) {
    if (error instanceof ModelRequestError) {
      throw new UserError(`${client.baseUrl}/models: ${error.message}`, 'is the server running, and is --api-base its OpenAI base URL (ending in /v1)?');
    }
    throw error;
  }
  const names = listed.map((m) => m.id);
  let entry = listed.find((m) => m.id === options.model);
  if (options.model !== undefined && !entry) {
    if (listed.length > 0) throw new UserError(`--api-model ${options.model}: ${client.baseUrl} serves ${names.join(', ')}`, 'pass one of those names');
    entry = { id: options.model };
  }
  if (!entry) {
    if (listed.length !== 1) {
      throw new UserError(`${client.baseUrl} serves ${listed.length === 0 ? 'no models' : `${listed.length} models (${names.join(', ')})`}`, 'name one with --api-model NAME');
    }
    entry = listed[0] as (typeof listed)[number];
  }
  const model = entry.id;
  const contextLength = options.contextLength ?? entry.maxModelLength;
  if (contextLength === undefined) options.log?.(`api: ${model}'s context length is unknown (no max_model_len in /models): assuming ${ASSUMED_CONTEXT} tokens; pass --context-length N`);

  const tokenizer: TextTokenizer = options.tokenizerDir !== undefined
    ? await loadTokenizer(resolve(options.tokenizerDir))
    : await ServedTokenizer.open(client, model, 0);
  // The served model's name is its identity: a run resumes against the same model on a restarted server or another port.
  const identity = createHash('sha256').update(model).digest('hex').slice(0, 16);
  return new ApiLanguageModel({
    client, model, tokenizer, chat: options.chat ?? 'auto', seed: options.seed ?? 0, promptFormat: options.promptFormat ?? 'ids',
    ...(options.scoring ? { scoring: options.scoring } : {}),
    info: {
      name: model,
      contextLength: contextLength ?? ASSUMED_CONTEXT,
      vocabSize: tokenizer.vocabSize,
      checkpointHash: `api-${identity}`,
      device: `OpenAI-compatible server ${client.baseUrl}`,
    },
  });
}
