/**
 * A LanguageModel whose log-probabilities and replies come from functions the test passes, over a
 * real (byte-level) tokenizer. It keeps the engine's contract — batching never changes results,
 * counters count forward tokens (prefix once, then continuation tokens, as prefix-shared scoring
 * does) — so harness code runs on it exactly as on the WebGPU engine.
 */
import type {
  EngineCounters, GenerateOptions, GenerateRequest, GenerationResult, LanguageModel, ModelInfo, ScoreRequest,
  ScoredContinuation, TextTokenizer,
} from '../../engine/language-model.js';
import { ByteTokenizer } from './byte-tokenizer.js';

export interface ScriptedModelOptions {
  readonly tokenizer?: TextTokenizer;
  readonly name?: string;
  readonly contextLength?: number;
  readonly checkpointHash?: string;
  /** log p(token | context); default: every token equally likely over the vocabulary. */
  readonly tokenLogprob?: (contextIds: readonly number[], tokenId: number) => number;
  /** The text the model "writes" after a prompt (stop tokens inside it end generation). */
  readonly reply?: (promptText: string, promptIds: readonly number[]) => string;
  /** Milliseconds each engine call waits (to make runs slow enough to interrupt). */
  readonly delayMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ScriptedModel implements LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  readonly counters: EngineCounters = { forwardTokens: 0, prefillMs: 0, decodeMs: 0 };
  /** Engine calls made (scoreContinuations/scoreBatch/generate/generateBatch), for batching tests. */
  calls = 0;
  private readonly options: ScriptedModelOptions;

  constructor(options: ScriptedModelOptions = {}) {
    this.options = options;
    this.tokenizer = options.tokenizer ?? new ByteTokenizer();
    this.info = {
      name: options.name ?? 'scripted',
      contextLength: options.contextLength ?? 32768,
      vocabSize: this.tokenizer.vocabSize,
      checkpointHash: options.checkpointHash ?? 'scripted',
      device: 'scripted',
    };
  }

  private score(prefixIds: readonly number[], continuations: readonly (readonly number[])[], withPrefix = false): ScoredContinuation[] {
    if (prefixIds.length === 0) throw new Error('scoreContinuations: empty prefix');
    this.counters.forwardTokens += prefixIds.length;
    const logprob = this.options.tokenLogprob ?? (() => -Math.log(this.tokenizer.vocabSize));
    const prefixTokenLogprobs = withPrefix ? prefixIds.slice(1).map((id, i) => logprob(prefixIds.slice(0, i + 1), id)) : undefined;
    return continuations.map((continuation) => {
      this.counters.forwardTokens += continuation.length;
      const context = [...prefixIds];
      const tokenLogprobs = continuation.map((id) => {
        const value = logprob(context, id);
        context.push(id);
        return value;
      });
      return { tokenLogprobs, sumLogprob: tokenLogprobs.reduce((a, b) => a + b, 0), ...(prefixTokenLogprobs ? { prefixTokenLogprobs } : {}) };
    });
  }

  private async generateOne(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    const promptText = await this.tokenizer.decode(promptIds, false);
    const replyIds = await this.tokenizer.encode(this.options.reply?.(promptText, promptIds) ?? '');
    const stops = new Set(options.stopTokenIds ?? []);
    const kept: number[] = [];
    let finishReason: GenerationResult['finishReason'] = 'max_tokens';
    for (const id of [...replyIds, ...(this.tokenizer.eosId === undefined ? [] : [this.tokenizer.eosId])]) {
      if (kept.length >= options.maxNewTokens) break;
      if (stops.has(id)) {
        finishReason = 'stop_token';
        break;
      }
      kept.push(id);
    }
    this.counters.forwardTokens += promptIds.length + kept.length;
    return { tokenIds: kept, text: await this.tokenizer.decode(kept), finishReason };
  }

  async scoreContinuations(prefixIds: readonly number[], continuations: readonly (readonly number[])[]): Promise<ScoredContinuation[]> {
    this.calls += 1;
    if (this.options.delayMs) await sleep(this.options.delayMs);
    return this.score(prefixIds, continuations);
  }

  async scoreBatch(requests: readonly ScoreRequest[]): Promise<ScoredContinuation[][]> {
    this.calls += 1;
    if (this.options.delayMs) await sleep(this.options.delayMs);
    return requests.map((r) => this.score(r.prefixIds, r.continuations, r.prefixLogprobs === true));
  }

  async generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    this.calls += 1;
    if (this.options.delayMs) await sleep(this.options.delayMs);
    return this.generateOne(promptIds, options);
  }

  async generateBatch(requests: readonly GenerateRequest[]): Promise<GenerationResult[]> {
    this.calls += 1;
    if (this.options.delayMs) await sleep(this.options.delayMs);
    const results: GenerationResult[] = [];
    for (const request of requests) results.push(await this.generateOne(request.promptIds, request.options));
    return results;
  }

  async dispose(): Promise<void> {
    // Nothing to free: no GPU memory.
  }
}
