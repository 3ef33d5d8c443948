/**
 * The LanguageModel over HTTP: any OpenAI-compatible server (LMDeploy, vLLM, Ollama, llama.cpp,
 * OpenAI, `harness serve`) behind the same contract as the in-process engine, so the harness cannot
 * tell them apart.
 *
 * - Scoring: `/completions` on the token ids of prefix + continuation with `echo` + `logprobs` +
 *   `max_tokens: 0` (the prompt's own log-probs), or vLLM's `prompt_logprobs` extension; which one
 *   the server has is probed once, on the first scoring call, and a server with neither is refused
 *   with a UserError that says so. Every prompt position's log-prob comes back (`promptLogprobs`),
 *   so `prefixLogprobs` requests (whole-sequence scores) cost nothing extra.
 * - Generation: `/chat/completions` with the request's messages (chat mode, as OpenCompass sends API
 *   models), else `/completions` with the exact prompt ids. Greedy is `temperature: 0` with a seed.
 * - Batches run their requests concurrently (the client caps them); a request that fails after its
 *   retries fails only its own entry (BatchRequestError keeps the others).
 */
import type {
  EngineCounters, GenerateOptions, GenerateRequest, GenerationResult, LanguageModel, ModelInfo, ScoredContinuation, ScoreRequest, TextTokenizer,
} from '../language-model.js';
import { BatchRequestError, ModelRequestError, UserError } from '../errors.js';
import type { ApiClient } from './api-client.js';
import { readChatCompletion, readCompletion, readPromptLogprobs, type ServedFinishReason } from './openai-replies.js';

/** How the server returns a prompt's log-probs. */
export type ScoringMethod = 'echo' | 'prompt_logprobs';

export type ApiChatChoice = 'auto' | 'on' | 'off';

export interface ApiModelSettings {
  readonly client: ApiClient;
  /** The served model's name (the `model` field of every request). */
  readonly model: string;
  readonly tokenizer: TextTokenizer;
  readonly info: ModelInfo;
  /** on/auto: requests that carry messages go to /chat/completions; off: everything to /completions. */
  readonly chat: ApiChatChoice;
  /** Seed sent with greedy requests (servers that sample even at temperature 0 then repeat themselves). */
  readonly seed: number;
  /** How prompts go to /completions: token ids (exact), or the ids decoded to text for servers that take only text (LMDeploy, Ollama). */
  readonly promptFormat?: 'ids' | 'text';
  /** Skip the probe (tests of a known server); undefined: probe on first use. */
  readonly scoring?: ScoringMethod;
}

function settleAll<T>(work: readonly Promise<T>[]): Promise<T[]> {
  return Promise.allSettled(work).then((settled) => {
    const outcomes = settled.map((s) => {
      if (s.status === 'fulfilled') return s.value;
      if (s.reason instanceof ModelRequestError) return s.reason;
      throw s.reason;
    });
    if (outcomes.some((o) => o instanceof ModelRequestError)) {
      if (outcomes.length === 1) throw outcomes[0];
      throw new BatchRequestError<T>(outcomes);
    }
    return outcomes as T[];
  });
}

function invalidReply(message: string): ModelRequestError {
  return new ModelRequestError({ status: 200, attempts: 1, message });
}

export class ApiLanguageModel implements LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  readonly counters: EngineCounters = { forwardTokens: 0, prefillMs: 0, decodeMs: 0 };
  private readonly settings: ApiModelSettings;
  private scoring: Promise<ScoringMethod> | undefined;

  constructor(settings: ApiModelSettings) {
    this.settings = settings;
    this.info = settings.info;
    this.tokenizer = settings.tokenizer;
    if (settings.scoring) this.scoring = Promise.resolve(settings.scoring);
  }

  get client(): ApiClient {
    return this.settings.client;
  }

  scoreContinuations(prefixIds: readonly number[], continuations: readonly (readonly number[])[]): Promise<ScoredContinuation[]> {
    return this.scoreBatch([{ prefixIds, continuations }]).then((results) => results[0] ?? []);
  }

  async scoreBatch(requests: readonly ScoreRequest[]): Promise<ScoredContinuation[][]> {
    const method = await this.scoringMethod();
    const started = performance.now();
    try {
      return await settleAll(requests.map(async (request) => {
        if (request.prefixIds.length === 0) throw new Error('scoreContinuations needs a non-empty prefix (start it with bos)');
        const scored = await Promise.all(request.continuations.map(async (continuation) => {
          const ids = [...request.prefixIds, ...continuation];
          const logprobs = await this.promptLogprobs(ids, method);
          const tokenLogprobs = logprobs.slice(request.prefixIds.length);
          return { tokenLogprobs, sumLogprob: tokenLogprobs.reduce((a, b) => a + b, 0), prefix: logprobs.slice(1, request.prefixIds.length) };
        }));
        // The echo gives the prefix's own log-probs with every continuation; the first one's are
        // returned with each (the contract's one array per request), when the request asks.
        const prefixTokenLogprobs = scored[0]?.prefix;
        return scored.map(({ tokenLogprobs, sumLogprob }) => ({ tokenLogprobs, sumLogprob, ...(request.prefixLogprobs && prefixTokenLogprobs ? { prefixTokenLogprobs } : {}) }));
      }));
    } finally {
      this.counters.prefillMs += performance.now() - started;
    }
  }

  /**
   * log p(ids[i] | ids[..i]) for i ≥ 1 (index 0 holds NaN: nothing predicts the first token). Every
   * value is checked finite: a missing or non-finite log-prob is a failed request, never a score.
   */
  async promptLogprobs(ids: readonly number[], method: ScoringMethod): Promise<number[]> {
    const { client, model } = this.settings;
    const body = method === 'echo'
      ? { model, prompt: ids, max_tokens: 0, echo: true, logprobs: 1, temperature: 0 }
      : { model, prompt: ids, max_tokens: 1, prompt_logprobs: 0, temperature: 0 };
    const reply = await client.post('completions', body);
    this.counters.forwardTokens += ids.length;
    const values = method === 'echo' ? readCompletion(reply).tokenLogprobs : readPromptLogprobs(reply, ids);
    if (!values) throw invalidReply(`POST ${client.baseUrl}/completions: no prompt log-probs in the reply (${method})`);
    // An echo of the prompt has one entry per prompt token and none for the first (nothing predicts
    // it). A server that ignores echo (LMDeploy) returns generated tokens' log-probs instead, with a
    // number first: taking those as the prompt's would be a silent wrong score.
    if (values.length !== ids.length || values[0] !== null) {
      throw invalidReply(`POST ${client.baseUrl}/completions: the reply's log-probs are not the prompt's (${values.length} values for ${ids.length} prompt tokens, first ${String(values[0])}, expected null)`);
    }
    return ids.map((_, i) => {
      if (i === 0) return Number.NaN;
      const value = values[i];
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidReply(`POST ${client.baseUrl}/completions: log-prob of prompt token ${i} is ${String(value)}`);
      return value;
    });
  }

  /** The probe: a two-token prompt scored each way until one returns finite log-probs. */
  private scoringMethod(): Promise<ScoringMethod> {
    this.scoring ??= (async () => {
      const ids = [...(this.tokenizer.bosId !== undefined ? [this.tokenizer.bosId] : []), ...(await this.tokenizer.encode('The answer is'))].slice(0, 4);
      const reasons: string[] = [];
      for (const method of ['echo', 'prompt_logprobs'] as const) {
        try {
          await this.promptLogprobs(ids, method);
          return method;
        } catch (error) {
          if (!(error instanceof ModelRequestError)) throw error;
          reasons.push(`${method === 'echo' ? 'echo + logprobs + max_tokens 0' : 'prompt_logprobs'}: ${error.message}`);
        }
      }
      throw new UserError(
        `${this.settings.client.baseUrl}: the server does not return prompt log-probs, which scoring (--mode ppl, likelihood probes) needs; tried /completions with ${reasons.join('; and with ')}`,
        'use --mode gen, or serve the model with a server that echoes prompt log-probs (vLLM, harness serve; see README "Served models")',
      );
    })();
    const probe = this.scoring;
    // A failed probe is not cached as a failure of the network: the next call probes again.
    probe.catch(() => {
      if (this.scoring === probe) this.scoring = undefined;
    });
    return probe;
  }

  generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    return this.generateBatch([{ promptIds, options }]).then((results) => results[0] as GenerationResult);
  }

  async generateBatch(requests: readonly GenerateRequest[]): Promise<GenerationResult[]> {
    const started = performance.now();
    try {
      return await settleAll(requests.map((request) => this.generateOne(request)));
    } finally {
      this.counters.decodeMs += performance.now() - started;
    }
  }

  private async generateOne(request: GenerateRequest): Promise<GenerationResult> {
    const { client, model, chat, seed } = this.settings;
    const { options } = request;
    const sampling = options.sampling
      ? { temperature: options.sampling.temperature, top_p: options.sampling.topP, seed: options.sampling.seed }
      : { temperature: 0, top_p: 1, seed };
    const stops = options.stopStrings && options.stopStrings.length > 0 ? { stop: [...options.stopStrings] } : {};
    let text: string;
    let finish: ServedFinishReason;
    let servedIds: readonly number[] | undefined;
    if (chat !== 'off' && options.messages && options.messages.length > 0) {
      const reply = await client.post('chat/completions', { model, messages: options.messages, max_tokens: options.maxNewTokens, ...sampling, ...stops });
      ({ text, finishReason: finish, tokenIds: servedIds } = readChatCompletion(reply));
    } else {
      const stopIds = options.stopTokenIds && options.stopTokenIds.length > 0 ? { stop_token_ids: [...options.stopTokenIds] } : {};
      const reply = await client.post('completions', { model, prompt: await this.promptField(request.promptIds), max_tokens: options.maxNewTokens, ...sampling, ...stops, ...stopIds });
      ({ text, finishReason: finish, tokenIds: servedIds } = readCompletion(reply));
    }
    this.counters.forwardTokens += request.promptIds.length;
    // The server's generated ids where it returns them; else the text re-encoded (a count, for records).
    const tokenIds = servedIds ? [...servedIds] : text === '' ? [] : await this.tokenizer.encode(text);
    const finishReason = finish === 'stop_string' ? 'stop_string' : finish === 'stop' ? 'stop_token' : 'max_tokens';
    return { tokenIds, text, finishReason };
  }

  /**
   * The prompt as sent: the ids, or their text with a leading bos left for the server to add (servers
   * that take text tokenize it with their own special-token rules).
   */
  private async promptField(ids: readonly number[]): Promise<readonly number[] | string> {
    if (this.settings.promptFormat !== 'text') return ids;
    const bos = this.tokenizer.bosId;
    return this.tokenizer.decode(bos !== undefined && ids[0] === bos ? ids.slice(1) : ids, false);
  }

  async dispose(): Promise<void> {
    this.settings.client.close();
  }
}
