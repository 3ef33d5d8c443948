/**
 * The engine's contract with the harness. `harness/` depends on these interfaces only, so scripted
 * models (tests) and the WebGPU InternLM2 engine are interchangeable behind them.
 */

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Text ↔ token ids for one model. Encoding never adds special tokens implicitly. */
export interface TextTokenizer {
  /** Encodes text; special-token strings that appear in it (e.g. `<|im_start|>`) map to their ids. */
  encode(text: string): Promise<number[]>;
  /** Decodes ids; special tokens are dropped when `skipSpecialTokens` is true (the default). */
  decode(ids: readonly number[], skipSpecialTokens?: boolean): Promise<string>;
  /** Id of a token string, or undefined when the vocabulary lacks it. */
  tokenId(token: string): number | undefined;
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  /** Whether prompts should start with bos (tokenizer_config.json `add_bos_token`). */
  readonly addBos: boolean;
  /** Whether the checkpoint ships a chat template (chat model). */
  readonly hasChatTemplate: boolean;
  /**
   * Renders messages with the checkpoint's chat template (InternLM2: `<|im_start|>role\n…<|im_end|>\n`),
   * bos included where the template writes it; `addGenerationPrompt` appends the assistant header.
   */
  renderChat(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string;
  /** Token ids that end a chat reply (eos and `<|im_end|>` where present). */
  readonly stopTokenIds: readonly number[];
}

export interface ScoredContinuation {
  /** log p(token_i | prefix, continuation[..i]) for each continuation token, natural log. */
  readonly tokenLogprobs: readonly number[];
  readonly sumLogprob: number;
  /**
   * Present only when the request set `prefixLogprobs`: log p(prefix[i] | prefix[..i]) for
   * i = 1 … prefix length − 1 (the first token has no prediction). It is computed once per request
   * and every continuation of the request carries the same array.
   */
  readonly prefixTokenLogprobs?: readonly number[];
}

export interface ScoreRequest {
  /** Shared context, computed once for all continuations. Must be non-empty (start with bos). */
  readonly prefixIds: readonly number[];
  readonly continuations: readonly (readonly number[])[];
  /**
   * Also return the prefix's own token log-probs (`prefixTokenLogprobs`), for whole-sequence scores
   * such as OpenCompass's mean token loss over prefix + continuation. Default false. The prefix is
   * still computed once for all continuations.
   */
  readonly prefixLogprobs?: boolean;
}

export interface SamplingOptions {
  readonly temperature: number;
  /** Nucleus sampling threshold in (0, 1]. */
  readonly topP: number;
  /** Seeds the sampler: the same seed and prompt give the same tokens, whatever the batch. */
  readonly seed: number;
}

export interface GenerateOptions {
  readonly maxNewTokens: number;
  /** Generation stops after emitting one of these ids (the id is not part of `text`). */
  readonly stopTokenIds?: readonly number[];
  /** Generation stops once the decoded text contains one of these; the text is cut before it. */
  readonly stopStrings?: readonly string[];
  /** Absent: greedy (argmax) decoding. */
  readonly sampling?: SamplingOptions;
  /**
   * The conversation the prompt ids were rendered from (chat template, assistant header added). A
   * served model's chat endpoint is sent these instead of the ids (OpenCompass sends messages to API
   * models); the in-process engine ignores them.
   */
  readonly messages?: readonly ChatMessage[];
}

export type FinishReason = 'stop_token' | 'stop_string' | 'max_tokens';

export interface GenerationResult {
  readonly tokenIds: readonly number[];
  readonly text: string;
  readonly finishReason: FinishReason;
}

export interface GenerateRequest {
  readonly promptIds: readonly number[];
  readonly options: GenerateOptions;
}

/** What the engine did, for reports: forward tokens and time spent. */
export interface EngineCounters {
  /** Tokens that went through the transformer (prefill + decode). */
  forwardTokens: number;
  prefillMs: number;
  decodeMs: number;
}

export interface ModelInfo {
  /** Display name (checkpoint folder name). */
  readonly name: string;
  /** Longest sequence (prompt + generated) the model accepts. */
  readonly contextLength: number;
  readonly vocabSize: number;
  /** Content hash of the checkpoint, recorded in run.json. */
  readonly checkpointHash: string;
  /** Content hash of the tokenizer files (tokenizer.json, tokenizer_config.json), where the model has them. */
  readonly tokenizerHash?: string;
  /** Adapter / backend description ("scripted" for test models). */
  readonly device: string;
}

/**
 * A causal language model. Results never depend on how requests are batched: `scoreBatch([a, b])`
 * equals `[await score(a), await score(b)]`.
 */
export interface LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  readonly counters: EngineCounters;
  /** One result per continuation, in order. */
  scoreContinuations(prefixIds: readonly number[], continuations: readonly (readonly number[])[]): Promise<ScoredContinuation[]>;
  scoreBatch(requests: readonly ScoreRequest[]): Promise<ScoredContinuation[][]>;
  generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult>;
  generateBatch(requests: readonly GenerateRequest[]): Promise<GenerationResult[]>;
  /** Frees GPU memory. */
  dispose(): Promise<void>;
}

// The contract's error type: harness code throws and catches it without reaching into the engine.
export { NonFiniteScoreError, UserError, isUserError, ModelRequestError, BatchRequestError, type RequestFailureInfo } from './errors.js';
