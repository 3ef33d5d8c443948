/**
 * The engine against the fixtures' float64 reference: logits rows, every token log-prob, the sum,
 * and greedy tokens, for an f32, a sharded bf16 and a dynamic-NTK checkpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../engine/index.js';
import type { LanguageModel } from '../../engine/language-model.js';
import { FIXTURE_NAMES, readGolden } from '../helpers/golden.js';
import { fixtureDir } from '../helpers/internlm2-fixtures.js';

// float32 engine vs float64 reference: 1e-3 absolute on logits (values of order 1–10) and on the
// summed log-prob of ~100–300 tokens is the bound; observed errors are ~1e-5.
const LOGIT_TOLERANCE = 1e-3;
const SUM_TOLERANCE = 1e-3;

describe.each(FIXTURE_NAMES)('golden outputs: %s', (name) => {
  const golden = readGolden(name);
  let model: LanguageModel;

  beforeAll(async () => {
    // tiny-ntk's golden sequence (320 tokens) runs past max_position_embeddings (128) on purpose.
    model = await loadModel(fixtureDir(name), { contextLength: 1024 });
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('matches every token log-prob and the sum', async () => {
    const [first] = golden.input_ids;
    const [scored] = await model.scoreContinuations([first as number], [golden.input_ids.slice(1)]);
    expect(scored).toBeDefined();
    const logprobs = scored?.tokenLogprobs ?? [];
    expect(logprobs.length).toBe(golden.token_logprobs.length);
    let worst = 0;
    logprobs.forEach((value, i) => {
      worst = Math.max(worst, Math.abs(value - (golden.token_logprobs[i] as number)));
    });
    expect(worst).toBeLessThan(LOGIT_TOLERANCE);
    expect(Math.abs((scored?.sumLogprob ?? 0) - golden.sum_logprob)).toBeLessThan(SUM_TOLERANCE);
  });

  it('greedy generation reproduces greedy_new_ids', async () => {
    const result = await model.generate(golden.greedy_prompt_ids, { maxNewTokens: golden.greedy_new_ids.length });
    expect(result.tokenIds).toEqual(golden.greedy_new_ids);
    expect(result.finishReason).toBe('max_tokens');
  });
});
