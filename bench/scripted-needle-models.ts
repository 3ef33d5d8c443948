/**
 * Scripted LanguageModels for needle sweeps whose heatmaps are known in advance. Each one really
 * reads the prompt it is given (decodes the ids, finds the question and the "secret code" facts it
 * can see, follows "same as" links) and answers with the codes; they differ only in what they see:
 *
 * - oracle: the whole prompt → every cell scores 1.
 * - blind in the middle: document tokens between `from`% and `to`% of the document are hidden →
 *   zeros exactly where the needle sits in that band.
 * - fixed window: only the last `window` prompt tokens → zeros where the needle lies before them.
 *
 * They live in bench/ because bench/needle-sweep.ts --scripted times the harness with the oracle; the
 * tests import them from here too (tests may reach into bench/, never the other way round).
 */
import type {
  EngineCounters, GenerateOptions, GenerateRequest, GenerationResult, LanguageModel, ModelInfo, ScoredContinuation, ScoreRequest, TextTokenizer,
} from '../engine/language-model.js';

export interface ScriptedNeedleModelOptions {
  readonly tokenizer: TextTokenizer;
  /** Context length the model reports (default 1M tokens). */
  readonly contextLength?: number;
}

const DOCUMENT_START = /Document:\n|文档：\n/;
const DOCUMENT_END = /\n\n(?:Question: |问题：)/;

/** Keys the question asks for, in order. */
export function askedKeys(prompt: string): string[] {
  const question = prompt.slice(prompt.search(DOCUMENT_END) + 1);
  const one = /What is the secret code for (.+?)\?/.exec(question) ?? /问题：(.+?)的密码是多少？/.exec(question);
  if (one) return [one[1] ?? ''];
  const many = /What are the secret codes for (.+?)\?/.exec(question);
  if (many) return (many[1] ?? '').split(/, | and /);
  const manyZh = /问题：(.+?)的密码分别是多少？/.exec(question);
  if (manyZh) return (manyZh[1] ?? '').split('、');
  return [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The fact about `key` in `text`, found by the key itself: a needle inserted inside a sentence (at a
 * token position) has no sentence boundary before it, so a pattern that reads the key from the start
 * of a sentence would take the words before it as part of the key.
 */
export function factAbout(text: string, key: string): { code?: string; link?: string } | undefined {
  const k = escapeRegExp(key);
  const match = new RegExp(`The secret code for ${k} is (?:the same as the secret code for (.+?)|(\\d+))\\.`).exec(text)
    ?? new RegExp(`${k}的密码(?:和([^。！？\\n]+?)的密码相同|是(\\d+))。`).exec(text);
  if (!match) return undefined;
  return match[2] !== undefined ? { code: match[2] } : { link: (match[1] ?? '').trim() };
}

/** The answer a reader of `visible` gives to the question in `prompt`. */
export function answerFrom(prompt: string, visible: string): string {
  const answers = askedKeys(prompt).map((key) => {
    let current = key;
    for (let hop = 0; hop < 64; hop += 1) {
      const fact = factAbout(visible, current);
      if (fact?.code !== undefined) return fact.code;
      if (fact?.link === undefined) return undefined;
      current = fact.link;
    }
    return undefined;
  });
  const found = answers.filter((answer): answer is string => answer !== undefined);
  return found.length > 0 ? found.join(', ') : 'I cannot find it in the document.';
}

abstract class ScriptedNeedleModel implements LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  readonly counters: EngineCounters = { forwardTokens: 0, prefillMs: 0, decodeMs: 0 };
  /** Prompts this model was asked to continue (the context guard must keep some away). */
  generateCalls = 0;

  constructor(name: string, options: ScriptedNeedleModelOptions) {
    this.tokenizer = options.tokenizer;
    this.info = { name, contextLength: options.contextLength ?? 1 << 20, vocabSize: options.tokenizer.vocabSize, checkpointHash: `scripted-${name}`, device: 'scripted' };
  }

  /** The text this model can see of the prompt. */
  protected abstract visibleText(promptIds: readonly number[], prompt: string): Promise<string>;

  async generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    this.generateCalls += 1;
    const started = performance.now();
    const prompt = await this.tokenizer.decode(promptIds, false);
    const answer = answerFrom(prompt, await this.visibleText(promptIds, prompt));
    const all = await this.tokenizer.encode(answer);
    const tokenIds = all.slice(0, options.maxNewTokens);
    this.counters.forwardTokens += promptIds.length + tokenIds.length;
    this.counters.prefillMs += performance.now() - started;
    return {
      tokenIds,
      text: await this.tokenizer.decode(tokenIds),
      finishReason: tokenIds.length < all.length ? 'max_tokens' : 'stop_token',
    };
  }

  async generateBatch(requests: readonly GenerateRequest[]): Promise<GenerationResult[]> {
    const results: GenerationResult[] = [];
    for (const request of requests) results.push(await this.generate(request.promptIds, request.options));
    return results;
  }

  /** A reader with no preferences between tokens: every token has probability 1 / vocabSize. */
  async scoreContinuations(_prefixIds: readonly number[], continuations: readonly (readonly number[])[]): Promise<ScoredContinuation[]> {
    const logprob = -Math.log(this.info.vocabSize);
    return continuations.map((ids) => ({ tokenLogprobs: ids.map(() => logprob), sumLogprob: ids.length * logprob }));
  }

  async scoreBatch(requests: readonly ScoreRequest[]): Promise<ScoredContinuation[][]> {
    const results: ScoredContinuation[][] = [];
    for (const request of requests) results.push(await this.scoreContinuations(request.prefixIds, request.continuations));
    return results;
  }

  async dispose(): Promise<void> {
    // Holds no GPU memory.
  }
}

export class OracleNeedleModel extends ScriptedNeedleModel {
  constructor(options: ScriptedNeedleModelOptions) {
    super('oracle', options);
  }

  protected async visibleText(_promptIds: readonly number[], prompt: string): Promise<string> {
    return prompt;
  }
}

export class BlindInTheMiddleModel extends ScriptedNeedleModel {
  readonly from: number;
  readonly to: number;

  /** Hides document tokens from `from`% (inclusive) to `to`% (exclusive) of the document. */
  constructor(options: ScriptedNeedleModelOptions & { readonly from: number; readonly to: number }) {
    super(`blind-${options.from}-${options.to}`, options);
    this.from = options.from;
    this.to = options.to;
  }

  protected async visibleText(_promptIds: readonly number[], prompt: string): Promise<string> {
    const startMatch = DOCUMENT_START.exec(prompt);
    const end = prompt.search(DOCUMENT_END);
    if (!startMatch || end < 0) return prompt;
    const start = startMatch.index + startMatch[0].length;
    const documentIds = await this.tokenizer.encode(prompt.slice(start, end));
    const lo = Math.floor((documentIds.length * this.from) / 100);
    const hi = Math.floor((documentIds.length * this.to) / 100);
    const before = await this.tokenizer.decode(documentIds.slice(0, lo));
    const after = await this.tokenizer.decode(documentIds.slice(hi));
    return `${prompt.slice(0, start)}${before}\n[…]\n${after}${prompt.slice(end)}`;
  }
}

export class FixedWindowModel extends ScriptedNeedleModel {
  readonly window: number;

  /** Sees only the last `window` tokens of the prompt. */
  constructor(options: ScriptedNeedleModelOptions & { readonly window: number }) {
    super(`window-${options.window}`, options);
    this.window = options.window;
  }

  protected async visibleText(promptIds: readonly number[]): Promise<string> {
    return this.tokenizer.decode(promptIds.slice(-this.window), false);
  }
}

/** Character bigrams of a text (letters and CJK only, lower case). */
function bigrams(text: string): Set<string> {
  const letters = [...text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')];
  const out = new Set<string>();
  for (let i = 0; i + 1 < letters.length; i += 1) out.add(`${letters[i]}${letters[i + 1]}`);
  return out;
}

/**
 * A reader for NeedleBench-style prompts (`--compat needlebench`): it answers with the prompt line
 * that shares the most character bigrams with the question (before its "Please answer…" part) —
 * the needle, which NeedleBench puts on its own line — and can see only the last `window` prompt
 * tokens, so cells whose needle lies before them score as misses.
 */
export class NeedleBenchReaderModel extends ScriptedNeedleModel {
  readonly window: number;

  constructor(options: ScriptedNeedleModelOptions & { readonly window?: number }) {
    super(`needlebench-reader-${options.window ?? 'all'}`, options);
    this.window = options.window ?? Number.MAX_SAFE_INTEGER;
  }

  protected async visibleText(promptIds: readonly number[]): Promise<string> {
    return this.tokenizer.decode(promptIds.slice(-this.window), false);
  }

  override async generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    this.generateCalls += 1;
    const prompt = await this.tokenizer.decode(promptIds, false);
    const visible = await this.visibleText(promptIds);
    const marker = /(?:now please answer: |the question is: |现在请问：)(.*)$/s.exec(prompt);
    const question = marker?.[1] ?? '';
    const asked = bigrams(question.split(/Please answer|Before answering|在回答之前|请按照/)[0] ?? question);
    let best = '';
    let bestOverlap = 0;
    // The document only: what comes before the question (the question shares every bigram with itself).
    const document = marker && visible.includes(marker[0]) ? visible.slice(0, visible.lastIndexOf(marker[0])) : visible;
    for (const line of document.split('\n')) {
      if (line.length > 300) continue;
      const overlap = [...bigrams(line)].filter((pair) => asked.has(pair)).length;
      if (overlap > bestOverlap) [best, bestOverlap] = [line.trim(), overlap];
    }
    const answer = bestOverlap >= 4 ? best : 'I cannot find it in the document.';
    const all = await this.tokenizer.encode(answer);
    const tokenIds = all.slice(0, options.maxNewTokens);
    this.counters.forwardTokens += promptIds.length + tokenIds.length;
    return { tokenIds, text: await this.tokenizer.decode(tokenIds), finishReason: tokenIds.length < all.length ? 'max_tokens' : 'stop_token' };
  }
}

/**
 * A reader for NeedleBench's multi-needle reasoning prompts: it knows the people's names (names.json)
 * and answers `\boxed{…}` with the eldest of the chain it can see — in a chain of kinship sentences,
 * the eldest and the last person are the two names that occur in only one sentence. Sees only the
 * last `window` prompt tokens, so a chain whose first link is hidden gets a wrong name.
 */
export class KinshipReaderModel extends ScriptedNeedleModel {
  readonly window: number;
  readonly names: readonly string[];

  constructor(options: ScriptedNeedleModelOptions & { readonly names: readonly string[]; readonly window?: number }) {
    super(`kinship-reader-${options.window ?? 'all'}`, options);
    this.window = options.window ?? Number.MAX_SAFE_INTEGER;
    this.names = options.names;
  }

  protected async visibleText(promptIds: readonly number[]): Promise<string> {
    return this.tokenizer.decode(promptIds.slice(-this.window), false);
  }

  override async generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    this.generateCalls += 1;
    const prompt = await this.tokenizer.decode(promptIds, false);
    const last = /'([^']+)'(?:的能够向上追溯| can trace back)/.exec(prompt)?.[1] ?? '';
    const visible = await this.visibleText(promptIds);
    const document = visible.slice(0, Math.max(0, visible.lastIndexOf('</Document>'), visible.lastIndexOf('</文档>')));
    const lines = document.split('\n');
    const eldest = this.names.find((name) => name !== last && lines.filter((line) => line.includes(name)).length === 1) ?? 'nobody';
    const all = await this.tokenizer.encode(`So the oldest relative '${last}' can trace back to in the provided text is \\boxed{${eldest}}.`);
    const tokenIds = all.slice(0, options.maxNewTokens);
    this.counters.forwardTokens += promptIds.length + tokenIds.length;
    return { tokenIds, text: await this.tokenizer.decode(tokenIds), finishReason: tokenIds.length < all.length ? 'max_tokens' : 'stop_token' };
  }
}
