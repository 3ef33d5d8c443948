/**
 * The LanguageModel the harness uses, on top of the GPU forward pass: continuation scoring with a
 * shared prefix, and greedy or sampled generation, both batched over several sequences. Calls are
 * serialised (one GPU model, one KV cache).
 */
import type { InternLM2Config } from '../checkpoint/config.js';
import { NonFiniteScoreError, UserError } from '../errors.js';
import type {
  EngineCounters, GenerateOptions, GenerateRequest, GenerationResult, LanguageModel, ModelInfo, ScoredContinuation, ScoreRequest, TextTokenizer,
} from '../language-model.js';
import type { ForwardRow, InternLM2Model, Pick } from '../model/model.js';
import { reusableLength, type CachedPrefix } from './prefix-cache.js';
import { ropeBase } from '../model/rope.js';
import { sampleToken, seededRandom, type RandomSource } from './sampling.js';

export interface SessionOptions {
  /** Most sequences held in the KV cache at once; larger batches run in groups. */
  readonly maxSlots?: number;
}

/** Most greedy decode steps per burst, read back together (InternLM2Model.decodeGreedy). */
const MAX_BURST = 16;

/** One sequence being generated. */
interface GenerationState {
  readonly slot: number;
  readonly request: GenerateRequest;
  /** Prompt and generated ids so far. */
  readonly ids: number[];
  readonly generated: number[];
  finish: GenerationResult['finishReason'] | undefined;
  text: string;
  readonly random: RandomSource | undefined;
  /** Longest the sequence may grow (prompt + new tokens, within the cache). */
  readonly limit: number;
}

export class InternLM2Session implements LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  readonly counters: EngineCounters = { forwardTokens: 0, prefillMs: 0, decodeMs: 0 };
  private readonly model: InternLM2Model;
  private readonly config: InternLM2Config;
  private readonly maxSlots: number;
  private lock: Promise<unknown> = Promise.resolve();
  /** The prefix held in the last KV slot, and the cache geometry it was written under. */
  private cachedPrefix: CachedPrefix | undefined;
  private cachedGeometry = '';

  constructor(model: InternLM2Model, tokenizer: TextTokenizer, info: ModelInfo, options: SessionOptions = {}) {
    this.model = model;
    this.config = model.config;
    this.tokenizer = tokenizer;
    this.info = info;
    this.maxSlots = options.maxSlots ?? 64;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private checkLength(length: number, what: string): void {
    if (length > this.info.contextLength) {
      throw new UserError(`${what} is ${length} tokens, longer than the model's context of ${this.info.contextLength} tokens`, 'shorten the input (the harness records such items as skipped), or raise --context-length if the model supports it');
    }
  }

  /** Slots per group so that `slots × maxLen` positions fit the memory plan (one is reserved for the prefix cache). */
  private slotsThatFit(maxLen: number): number {
    return Math.max(1, Math.min(this.maxSlots, this.model.kvSlotsThatFit(this.cacheLength(maxLen)) - 1));
  }

  /**
   * The cache length allocated for sequences of up to `maxLen` tokens: rounded up to a multiple of
   * 512 (within the context), so that slightly longer prompts do not reallocate the cache — which
   * would also drop the cached prefix.
   */
  private cacheLength(maxLen: number): number {
    return Math.max(maxLen, Math.min(Math.ceil(maxLen / 512) * 512, this.info.contextLength));
  }

  /**
   * Makes room for `slots` sequences plus the prefix-cache slot and returns that slot's index. A
   * reallocated cache loses its contents, and with them the cached prefix.
   */
  private async prepareCache(slots: number, maxLen: number): Promise<number> {
    maxLen = this.cacheLength(maxLen);
    try {
      await this.model.ensureKvCache(slots + 1, maxLen);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      // No room for the extra slot at this length: run without the prefix cache.
      await this.model.ensureKvCache(slots, maxLen);
      this.cachedPrefix = undefined;
      this.cachedGeometry = '';
      return -1;
    }
    const { slots: capacity, maxLen: stride } = this.model.kvCapacity;
    const geometry = `${capacity}x${stride}`;
    if (geometry !== this.cachedGeometry) {
      this.cachedPrefix = undefined;
      this.cachedGeometry = geometry;
    }
    return capacity - 1;
  }

  /** Copies the reusable part of the cached prefix into `slot`; returns how many positions it covers. */
  private reusePrefix(cacheSlot: number, slot: number, ids: readonly number[], base: number, needLogprobs = false): number {
    if (cacheSlot < 0) return 0;
    const length = reusableLength(this.cachedPrefix, ids, base, needLogprobs);
    if (length > 0) this.model.copyKvPrefix(cacheSlot, [slot], length);
    return length;
  }

  /** Remembers positions [0, ids.length) of `slot` as the cached prefix (with its log-probs when known). */
  private rememberPrefix(cacheSlot: number, slot: number, ids: readonly number[], base: number, logprobs?: readonly number[]): void {
    if (cacheSlot < 0) return;
    this.model.copyKvPrefix(slot, [cacheSlot], ids.length);
    this.cachedPrefix = { ids: [...ids], ropeBase: base, ...(logprobs ? { logprobs: [...logprobs] } : {}) };
  }

  scoreContinuations(prefixIds: readonly number[], continuations: readonly (readonly number[])[]): Promise<ScoredContinuation[]> {
    return this.scoreBatch([{ prefixIds, continuations }]).then((results) => results[0] ?? []);
  }

  scoreBatch(requests: readonly ScoreRequest[]): Promise<ScoredContinuation[][]> {
    return this.serialised(async () => {
      const results: ScoredContinuation[][] = [];
      let group: ScoreRequest[] = [];
      let groupSlots = 0;
      let groupMaxLen = 0;
      for (const request of requests) {
        if (request.prefixIds.length === 0) throw new Error('scoreContinuations needs a non-empty prefix (start it with bos)');
        const longest = Math.max(0, ...request.continuations.map((c) => c.length));
        const length = request.prefixIds.length + longest;
        this.checkLength(length, 'a scored sequence (prefix + continuation)');
        const slots = Math.max(1, request.continuations.length);
        const maxLen = Math.max(groupMaxLen, length);
        if (group.length > 0 && groupSlots + slots > this.slotsThatFit(maxLen)) {
          results.push(...(await this.scoreGroup(group, groupSlots, groupMaxLen)));
          group = [];
          groupSlots = 0;
          groupMaxLen = 0;
        }
        group.push(request);
        groupSlots += slots;
        groupMaxLen = Math.max(groupMaxLen, length);
      }
      if (group.length > 0) results.push(...(await this.scoreGroup(group, groupSlots, groupMaxLen)));
      return results;
    });
  }

  /**
   * One group of requests: all prefixes in one forward call (each into the first slot of its
   * request), the prefix cache copied to the other continuations' slots, then every continuation's
   * tokens in a second call. Continuations are never re-run through the prefix.
   */
  private async scoreGroup(requests: readonly ScoreRequest[], slots: number, maxLen: number): Promise<ScoredContinuation[][]> {
    const started = performance.now();
    const cacheSlot = await this.prepareCache(slots, maxLen);
    const prefixRows: ForwardRow[] = [];
    const prefixPicks: Pick[] = [];
    const continuationRows: ForwardRow[] = [];
    const continuationPicks: Pick[] = [];
    // Where each continuation token's log-prob comes from: [call (0 prefix, 1 continuation), pick index].
    const sources: [number, number][][][] = [];
    // Requests that want their prefix's own log-probs: the values served from the prefix cache, then
    // the prefix-call pick index of each later position's prediction.
    const prefixSources: ({ readonly cached: readonly number[]; readonly picks: number[] } | undefined)[] = [];
    let slot = 0;
    for (const request of requests) {
      const prefixLength = request.prefixIds.length;
      const base = ropeBase(this.config, prefixLength);
      const firstSlot = slot;
      const wantsPrefix = request.prefixLogprobs === true;
      const reused = this.reusePrefix(cacheSlot, firstSlot, request.prefixIds, base, wantsPrefix);
      const prefixPickIndices: number[] = [];
      request.prefixIds.forEach((token, position) => {
        if (position < reused) return;
        prefixRows.push({ token, slot: firstSlot, position, ropeBase: base });
        const next = request.prefixIds[position + 1];
        if (wantsPrefix && next !== undefined) {
          prefixPickIndices.push(prefixPicks.length);
          prefixPicks.push({ row: prefixRows.length - 1, target: next });
        }
      });
      prefixSources.push(wantsPrefix ? { cached: this.cachedPrefix?.logprobs?.slice(0, reused) ?? [], picks: prefixPickIndices } : undefined);
      const lastPrefixRow = prefixRows.length - 1;
      const perContinuation: [number, number][][] = [];
      request.continuations.forEach((continuation, c) => {
        const continuationSlot = firstSlot + c;
        const tokenSources: [number, number][] = [];
        const fullBase = ropeBase(this.config, prefixLength + continuation.length);
        continuation.forEach((token, i) => {
          if (i === 0) {
            tokenSources.push([0, prefixPicks.length]);
            prefixPicks.push({ row: lastPrefixRow, target: token });
          } else {
            tokenSources.push([1, continuationPicks.length]);
            continuationPicks.push({ row: continuationRows.length - 1, target: token });
          }
          // The last token is only a target: nothing is predicted from it.
          if (i < continuation.length - 1) {
            continuationRows.push({ token, slot: continuationSlot, position: prefixLength + i, ropeBase: fullBase });
          }
        });
        perContinuation.push(tokenSources);
      });
      sources.push(perContinuation);
      slot += Math.max(1, request.continuations.length);
    }
    const prefixResult = await this.model.forward(prefixRows, prefixPicks);
    this.counters.forwardTokens += prefixRows.length;
    const prefixLogprobs = prefixSources.map((source) => source
      ? [...source.cached, ...source.picks.map((index) => prefixResult.picks[index]?.targetLogprob ?? Number.NaN)]
      : undefined);
    const first = requests[0];
    if (first) this.rememberPrefix(cacheSlot, 0, first.prefixIds, ropeBase(this.config, first.prefixIds.length), prefixLogprobs[0]);
    let continuationResult = { picks: [] as { targetLogprob: number }[] };
    if (continuationRows.length > 0) {
      slot = 0;
      for (const request of requests) {
        const others = request.continuations.slice(1).map((_, i) => slot + 1 + i);
        this.model.copyKvPrefix(slot, others, request.prefixIds.length);
        slot += Math.max(1, request.continuations.length);
      }
      continuationResult = await this.model.forward(continuationRows, continuationPicks);
      this.counters.forwardTokens += continuationRows.length;
    }
    this.counters.prefillMs += performance.now() - started;
    return sources.map((perContinuation, r) => perContinuation.map((tokenSources) => {
      const tokenLogprobs = tokenSources.map(([call, index]) => (call === 0 ? prefixResult.picks[index] : continuationResult.picks[index])?.targetLogprob ?? Number.NaN);
      const prefixTokenLogprobs = prefixLogprobs[r];
      return { tokenLogprobs, sumLogprob: tokenLogprobs.reduce((a, b) => a + b, 0), ...(prefixTokenLogprobs ? { prefixTokenLogprobs } : {}) };
    }));
  }

  generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    return this.generateBatch([{ promptIds, options }]).then((results) => results[0] as GenerationResult);
  }

  generateBatch(requests: readonly GenerateRequest[]): Promise<GenerationResult[]> {
    return this.serialised(async () => {
      const results: GenerationResult[] = [];
      let start = 0;
      while (start < requests.length) {
        let maxLen = 0;
        let end = start;
        while (end < requests.length) {
          const request = requests[end] as GenerateRequest;
          if (request.promptIds.length === 0) throw new Error('generate needs a non-empty prompt (start it with bos)');
          const length = request.promptIds.length + request.options.maxNewTokens;
          this.checkLength(request.promptIds.length, 'a prompt');
          const candidate = Math.max(maxLen, Math.min(length, this.info.contextLength));
          if (end > start && end - start + 1 > this.slotsThatFit(candidate)) break;
          maxLen = candidate;
          end += 1;
        }
        results.push(...(await this.generateGroup(requests.slice(start, end), maxLen)));
        start = end;
      }
      return results;
    });
  }

  private async generateGroup(requests: readonly GenerateRequest[], maxLen: number): Promise<GenerationResult[]> {
    const cacheSlot = await this.prepareCache(requests.length, maxLen);
    const sequences: GenerationState[] = requests.map((request, slot) => ({
      slot,
      request,
      ids: [...request.promptIds],
      generated: [],
      finish: undefined,
      text: '',
      random: request.options.sampling ? seededRandom(request.options.sampling.seed) : undefined,
      limit: maxLen,
    }));
    const wantLogits = requests.some((r) => r.options.sampling);
    // Prefill every prompt in one call; pick each prompt's last row.
    let rows: ForwardRow[] = [];
    let picks: Pick[] = [];
    for (const s of sequences) {
      const base = ropeBase(this.config, s.ids.length);
      const reused = this.reusePrefix(cacheSlot, s.slot, s.ids, base);
      s.ids.forEach((token, position) => {
        if (position >= reused) rows.push({ token, slot: s.slot, position, ropeBase: base });
      });
      picks.push({ row: rows.length - 1, target: undefined });
    }
    const promptOfFirst = sequences[0]?.ids.slice() ?? [];
    let active = sequences.filter((s) => s.request.options.maxNewTokens > 0);
    for (const s of sequences) if (s.request.options.maxNewTokens <= 0) s.finish = 'max_tokens';
    let phase: 'prefill' | 'decode' = 'prefill';
    // Greedy decode runs in bursts of steps with no host round trip between them (the GPU feeds
    // each argmax back; see InternLM2Model.decodeGreedy). Bursts grow 1, 2, 4 … MAX_BURST, so the
    // steps computed past a stop stay below the tokens generated so far.
    let burst = 1;
    while (active.length > 0) {
      const started = performance.now();
      if (phase === 'decode' && !wantLogits && rows.length <= this.model.greedyRowsPerStep) {
        await this.greedyBurst(active, rows, burst);
        this.counters.decodeMs += performance.now() - started;
        burst = Math.min(2 * burst, MAX_BURST);
      } else {
        const activeSlots = new Set(active.map((s) => s.slot));
        const result = await this.model.forward(rows, picks, wantLogits);
        this.counters.forwardTokens += rows.length;
        // Argmax over NaN logits still returns a token; text made from it must never reach a scorer.
        const broken = result.picks.find((pick) => !Number.isFinite(pick.logSumExp));
        if (broken) throw new NonFiniteScoreError(`generation (${phase}, log-sum-exp ${broken.logSumExp})`);
        if (phase === 'prefill') this.counters.prefillMs += performance.now() - started;
        else this.counters.decodeMs += performance.now() - started;
        if (phase === 'prefill' && promptOfFirst.length > 0) this.rememberPrefix(cacheSlot, 0, promptOfFirst, ropeBase(this.config, promptOfFirst.length));
        // Picks are in slot order of the sequences that were active for this call.
        const stepSequences = sequences.filter((s) => activeSlots.has(s.slot));
        for (let i = 0; i < stepSequences.length; i += 1) {
          const s = stepSequences[i];
          const pick = result.picks[i];
          if (!s || !pick) continue;
          const sampling = s.request.options.sampling;
          const logits = result.logits?.[i];
          const token = sampling && logits && s.random ? sampleToken(logits, sampling.temperature, sampling.topP, s.random) : pick.argmax;
          await this.advance(s, token);
        }
      }
      phase = 'decode';
      active = sequences.filter((s) => s.finish === undefined);
      rows = [];
      picks = [];
      for (const s of active) {
        const position = s.ids.length - 1;
        rows.push({ token: s.ids[position] as number, slot: s.slot, position, ropeBase: ropeBase(this.config, s.ids.length) });
        picks.push({ row: rows.length - 1, target: undefined });
      }
    }
    return Promise.all(sequences.map(async (s) => ({ tokenIds: s.generated, text: s.text, finishReason: s.finish ?? 'max_tokens' })));
  }

  /**
   * Up to `maxSteps` greedy steps of the active sequences (`rows`: their last tokens) with one
   * readback, never past a sequence's token budget or the cache; tokens after a sequence finishes
   * are dropped.
   */
  private async greedyBurst(active: readonly GenerationState[], rows: readonly ForwardRow[], maxSteps: number): Promise<void> {
    const remaining = Math.min(...active.map((s) => Math.min(s.request.options.maxNewTokens - s.generated.length, s.limit - s.ids.length + 1)));
    const steps = Math.max(1, Math.min(maxSteps, remaining));
    // Row i at step s is the sequence's token number ids.length + s: its RoPE base is for that length.
    const lengths = active.map((s) => s.ids.length);
    const tokens = await this.model.decodeGreedy(rows, steps, (i, step) => ropeBase(this.config, (lengths[i] ?? 0) + step));
    this.counters.forwardTokens += rows.length * steps;
    for (const stepTokens of tokens) {
      for (let i = 0; i < active.length; i += 1) {
        const s = active[i];
        if (s && s.finish === undefined) await this.advance(s, stepTokens[i] as number);
      }
    }
  }

  /** Appends a token and decides whether the sequence is finished. */
  private async advance(s: GenerationState, token: number): Promise<void> {
    const options = s.request.options;
    if (options.stopTokenIds?.includes(token)) {
      s.finish = 'stop_token';
      s.text = await this.tokenizer.decode(s.generated);
      return;
    }
    s.ids.push(token);
    s.generated.push(token);
    s.text = await this.tokenizer.decode(s.generated);
    const stops = options.stopStrings ?? [];
    for (const stop of stops) {
      const at = stop === '' ? -1 : s.text.indexOf(stop);
      if (at >= 0) {
        s.text = s.text.slice(0, at);
        s.finish = 'stop_string';
        return;
      }
    }
    if (s.generated.length >= options.maxNewTokens || s.ids.length >= s.limit) s.finish = 'max_tokens';
  }

  async dispose(): Promise<void> {
    await this.lock;
    this.model.dispose();
  }
}
