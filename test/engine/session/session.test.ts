/**
 * Properties of the model API the harness relies on, on the tiny-fp32 fixture: a shared prefix
 * gives exactly what separate full sequences give, prefill-then-decode equals one full prefill,
 * batching never changes a result, generation honours stop tokens, stop strings and seeds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sharedDevice } from '../../../engine/gpu/device.js';
import { loadModel } from '../../../engine/index.js';
import type { LanguageModel } from '../../../engine/language-model.js';
import { readGolden } from '../../helpers/golden.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';

const golden = readGolden('tiny-fp32');
const ids = golden.input_ids;

describe('InternLM2 session on tiny-fp32', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    model = await loadModel(fixtureDir('tiny-fp32'));
  });
  afterAll(async () => {
    await model?.dispose();
  });
  afterEach(async () => {
    // Validation errors arrive asynchronously and would otherwise mean silently wrong numbers.
    expect((await sharedDevice()).errors).toEqual([]);
  });

  it('scores four continuations of one prefix exactly as four separate full sequences', async () => {
    const prefix = ids.slice(0, 40);
    const continuations = [ids.slice(40, 41), ids.slice(40, 47), ids.slice(60, 75), ids.slice(10, 13)];
    const shared = await model.scoreContinuations(prefix, continuations);
    for (const [i, continuation] of continuations.entries()) {
      const full = [...prefix, ...continuation];
      const [separate] = await model.scoreContinuations([full[0] as number], [full.slice(1)]);
      const tail = separate?.tokenLogprobs.slice(prefix.length - 1) ?? [];
      // The same arithmetic on the same rows: identical, not merely close.
      expect(shared[i]?.tokenLogprobs).toEqual(tail);
    }
  });

  it('counts forward tokens: the prefix runs once for all continuations', async () => {
    // A prefix no earlier call shares (so the prefix cache cannot shorten it).
    const prefix = [3, ...ids.slice(60, 89)];
    const letters = [[30], [31], [32], [33]];
    const before = model.counters.forwardTokens;
    await model.scoreContinuations(prefix, letters);
    expect(model.counters.forwardTokens - before).toBe(30);
  });

  it('reuses the previous call\'s prefix: only the new tail runs, with identical results', async () => {
    const shots = [1, ...ids.slice(30, 70)];
    const first = await model.scoreContinuations([...shots, 5, 6, 7], [[30], [31, 32]]);
    const before = model.counters.forwardTokens;
    const second = await model.scoreContinuations([...shots, 8, 9], [[30], [31, 32]]);
    // 41 shared tokens come from the cache; the 2 new prefix tokens and 1 continuation row run.
    expect(model.counters.forwardTokens - before).toBe(3);
    const fresh = await model.scoreBatch([{ prefixIds: [2, 3], continuations: [[4]] }]); // evicts the cache
    expect(fresh[0]?.[0]?.tokenLogprobs.length).toBe(1);
    const recomputed = await model.scoreContinuations([...shots, 8, 9], [[30], [31, 32]]);
    expect(second).toEqual(recomputed);
    expect(first).not.toEqual(second);
  });

  it('returns the prefix\'s own log-probs when asked, once per request, equal to a full-sequence scoring, also when the prefix cache serves part of it', async () => {
    const shots = [1, ...ids.slice(20, 60)];
    const prefix = [...shots, 11, 12, 13];
    const [full] = await model.scoreContinuations([prefix[0] as number], [prefix.slice(1)]);
    const first = await model.scoreBatch([{ prefixIds: prefix, continuations: [[30], [31, 32]], prefixLogprobs: true }]);
    expect(first[0]?.[0]?.prefixTokenLogprobs).toEqual(full?.tokenLogprobs);
    // The same array on every continuation of the request: computed once.
    expect(first[0]?.[1]?.prefixTokenLogprobs).toBe(first[0]?.[0]?.prefixTokenLogprobs);
    const before = model.counters.forwardTokens;
    const other = [...shots, 14, 15];
    const second = await model.scoreBatch([{ prefixIds: other, continuations: [[30]], prefixLogprobs: true }]);
    // The 40 shared shot positions come from the cache (their log-probs too); 3 prefix rows run.
    expect(model.counters.forwardTokens - before).toBe(3);
    const [otherFull] = await model.scoreContinuations([other[0] as number], [other.slice(1)]);
    expect(second[0]?.[0]?.prefixTokenLogprobs).toEqual(otherFull?.tokenLogprobs);
    const plain = await model.scoreBatch([{ prefixIds: other, continuations: [[30]] }]);
    expect(plain[0]?.[0]?.prefixTokenLogprobs).toBeUndefined();
  });

  it('prefill-then-decode gives the log-probs of one full prefill', async () => {
    const [full] = await model.scoreContinuations([ids[0] as number], [ids.slice(1, 60)]);
    // Prefill 30 tokens, then extend one token at a time (each continuation step reuses the cache).
    const [prefixPart] = await model.scoreContinuations([ids[0] as number], [ids.slice(1, 30)]);
    const decoded: number[] = [...(prefixPart?.tokenLogprobs ?? [])];
    for (let t = 30; t < 60; t += 1) {
      const [step] = await model.scoreContinuations(ids.slice(0, t), [[ids[t] as number]]);
      decoded.push(step?.tokenLogprobs[0] ?? Number.NaN);
    }
    const worst = Math.max(...decoded.map((v, i) => Math.abs(v - (full?.tokenLogprobs[i] ?? 0))));
    expect(worst).toBeLessThan(1e-5);
  });

  it('gives identical scores for a batch of 1 and a batch of 8', async () => {
    const requests = Array.from({ length: 8 }, (_, r) => ({
      prefixIds: ids.slice(0, 10 + r * 7),
      continuations: [ids.slice(10 + r * 7, 14 + r * 7), ids.slice(80, 80 + (r % 3) + 1)],
    }));
    const batched = await model.scoreBatch(requests);
    for (const [r, request] of requests.entries()) {
      const single = await model.scoreContinuations(request.prefixIds, request.continuations);
      expect(batched[r]).toEqual(single);
    }
  });

  it('gives identical generations for a batch of 1 and a batch of 8', async () => {
    const requests = Array.from({ length: 8 }, (_, r) => ({
      promptIds: ids.slice(0, 5 + r * 9),
      options: r % 2 === 0 ? { maxNewTokens: 6 } : { maxNewTokens: 6, sampling: { temperature: 0.8, topP: 0.9, seed: r } },
    }));
    const batched = await model.generateBatch(requests);
    for (const [r, request] of requests.entries()) {
      expect(batched[r]).toEqual(await model.generate(request.promptIds, request.options));
    }
  });

  it('stops at a stop token and at a stop string', async () => {
    const greedy = golden.greedy_new_ids;
    const stopToken = greedy[3] as number;
    const stopped = await model.generate(golden.greedy_prompt_ids, { maxNewTokens: 12, stopTokenIds: [stopToken] });
    expect(stopped.finishReason).toBe('stop_token');
    expect(stopped.tokenIds).toEqual(greedy.slice(0, greedy.indexOf(stopToken)));

    const full = await model.generate(golden.greedy_prompt_ids, { maxNewTokens: 12 });
    const needle = full.text.slice(4, 6);
    if (needle.length === 2) {
      const cut = await model.generate(golden.greedy_prompt_ids, { maxNewTokens: 12, stopStrings: [needle] });
      expect(cut.finishReason).toBe('stop_string');
      expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(needle)));
    }
  });

  it('sampling is reproducible from its seed and differs across seeds', async () => {
    const prompt = ids.slice(0, 20);
    const a = await model.generate(prompt, { maxNewTokens: 10, sampling: { temperature: 1.5, topP: 1, seed: 7 } });
    const b = await model.generate(prompt, { maxNewTokens: 10, sampling: { temperature: 1.5, topP: 1, seed: 7 } });
    const others = await Promise.all([8, 9, 10].map((seed) => model.generate(prompt, { maxNewTokens: 10, sampling: { temperature: 1.5, topP: 1, seed } })));
    expect(a.tokenIds).toEqual(b.tokenIds);
    expect(others.some((o) => JSON.stringify(o.tokenIds) !== JSON.stringify(a.tokenIds))).toBe(true);
  });

  it('refuses a prompt longer than the context with a clear error', async () => {
    const tooLong = new Array<number>(model.info.contextLength + 1).fill(5);
    await expect(model.scoreContinuations(tooLong, [[1]])).rejects.toThrow(/longer than the model's context of 2048 tokens/);
  });
});
