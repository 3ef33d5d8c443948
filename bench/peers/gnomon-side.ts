/**
 * The gnomon side of the peer bench, through the engine's public entry (engine/index.ts) as a user
 * runs it: loadModel, scoreBatch for log-probs, generate for prefill and decode. Prompts differ in
 * their first token from one call to the next (./prompts.ts), so the session's prefix cache never
 * shortens a timed prefill.
 */
import { loadModel, type LoadModelOptions } from '../../engine/index.js';
import type { LanguageModel } from '../../engine/language-model.js';

export class GnomonSide {
  private constructor(
    private readonly dir: string,
    private readonly options: LoadModelOptions,
    private model: LanguageModel,
  ) {}

  /** Loads the checkpoint; `seconds` is the whole loadModel call (checks, tokenizer, upload). */
  static async load(dir: string, options: LoadModelOptions): Promise<{ side: GnomonSide; seconds: number }> {
    const started = performance.now();
    const model = await loadModel(dir, options);
    return { side: new GnomonSide(dir, options, model), seconds: (performance.now() - started) / 1000 };
  }

  get device(): string {
    return this.model.info.device;
  }

  /** log p(ids[i + 1] | ids[..i]) for i = 0 … n − 2 (natural log). */
  async logprobs(ids: readonly number[]): Promise<number[]> {
    const [results] = await this.model.scoreBatch([{ prefixIds: ids, continuations: [[ids[0]!]], prefixLogprobs: true }]);
    const logprobs = results?.[0]?.prefixTokenLogprobs;
    if (!logprobs || logprobs.length !== ids.length - 1) throw new Error(`gnomon returned ${logprobs?.length ?? 'no'} prefix log-probs for ${ids.length} ids`);
    return [...logprobs];
  }

  /** Prefill `ids` and pick the next token (greedy): the wall time of generate(ids, 1 token). */
  async prefill(ids: readonly number[]): Promise<{ seconds: number; token: number }> {
    const started = performance.now();
    const result = await this.model.generate(ids, { maxNewTokens: 1 });
    const seconds = (performance.now() - started) / 1000;
    const token = result.tokenIds[0];
    if (token === undefined) throw new Error('gnomon generated no token after the prefill');
    return { seconds, token };
  }

  /**
   * Prefill `ids`, then `steps` greedy decode steps: generate(ids, steps + 1 tokens), the first from
   * the prefill; the time is the session's decode counter (the steps after the prefill).
   */
  async decode(ids: readonly number[], steps: number): Promise<{ seconds: number; tokens: readonly number[] }> {
    const before = this.model.counters.decodeMs;
    const result = await this.model.generate(ids, { maxNewTokens: steps + 1 });
    if (result.tokenIds.length !== steps + 1) throw new Error(`gnomon generated ${result.tokenIds.length} tokens, asked for ${steps + 1}`);
    return { seconds: (this.model.counters.decodeMs - before) / 1000, tokens: result.tokenIds };
  }

  /** Frees the model and loads it again: the timed load. */
  async reload(): Promise<number> {
    await this.model.dispose();
    const { side, seconds } = await GnomonSide.load(this.dir, this.options);
    this.model = side.model;
    return seconds;
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
