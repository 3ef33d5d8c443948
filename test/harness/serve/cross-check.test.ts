/**
 * The cross-check as a feature: `harness ceval` / `harness needle` through `--api-base` against the
 * real `harness serve` command (a child process on loopback, the tiny-fp32 checkpoint) write the
 * records the in-process engine writes — log-probs equal to 1e-6 (in fact to the bit: results never
 * depend on batching or on how a sequence is split), identical generated text and needle scores.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModel } from '../../../engine/language-model.js';
import { loadModel } from '../../../engine/index.js';
import { runCevalEvaluation, type CevalSettings } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { openModel } from '../../../harness/model-options.js';
import { runNeedle, type NeedleSettings } from '../../../harness/needle/needle-run.js';
import type { NeedleRecord } from '../../../harness/needle/needle-record.js';
import { readJsonl } from '../../../harness/records.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { temporaryDirectory, tinyCevalDataDir } from '../ceval/ceval-data-fixture.js';
import { compileCli, startServeChild, type ServeChild } from './cli-child.js';

const FIXTURE = fixtureDir('tiny-fp32');
let serve: ServeChild;
let local: LanguageModel;
const logLines: string[] = [];

beforeAll(async () => {
  const cli = compileCli();
  serve = await startServeChild(cli, ['--model', FIXTURE, '--quiet']);
  local = await loadModel(FIXTURE);
}, 180_000);

afterAll(async () => {
  await local?.dispose();
  // SIGTERM: the server finishes what is in flight and exits cleanly.
  if (serve) expect(await serve.stop()).toBe(0);
});

function served(extra: Record<string, unknown> = {}): Promise<LanguageModel> {
  return openModel({ apiBase: serve.baseUrl, concurrency: 4, ...extra }, (line) => logLines.push(line));
}

async function cevalRecords(model: LanguageModel, settings: CevalSettings): Promise<CevalRecord[]> {
  const result = await runCevalEvaluation(model, { settings, outDir: temporaryDirectory('gnomon-cross-'), command: 'test' });
  return readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
}

function cevalSettings(overrides: Partial<CevalSettings>): CevalSettings {
  return { preset: 'ceval', dataDir: tinyCevalDataDir(), split: 'val', chat: 'auto', mode: 'ppl', maxOutLen: 8, batchSize: 2, subjects: ['computer_network'], ...overrides };
}

/** Everything but timings must match. */
function comparable(record: CevalRecord): Omit<CevalRecord, 'ms' | 'choices'> {
  const { ms: _ms, choices: _choices, ...rest } = record;
  return rest;
}

describe('in-process vs served (harness serve, tiny-fp32)', () => {
  it('ceval ppl: the same records, log-probs equal to 1e-6, through /completions echo scoring', async () => {
    const settings = cevalSettings({ mode: 'ppl' });
    const expected = await cevalRecords(local, settings);
    const api = await served({ tokenizer: FIXTURE });
    const actual = await cevalRecords(api, settings);
    await api.dispose();
    expect(actual).toHaveLength(3);
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    actual.forEach((record, i) => {
      expect(record.status).toBe('ok');
      for (const letter of ['A', 'B', 'C', 'D'] as const) {
        const want = expected[i]?.choices?.[letter] as number;
        expect(Number.isFinite(want)).toBe(true);
        expect(Math.abs((record.choices?.[letter] as number) - want)).toBeLessThanOrEqual(1e-6);
      }
    });
  });

  it('ceval gen in chat format: identical outputs through /chat/completions (messages, the server\'s template)', async () => {
    const settings = cevalSettings({ mode: 'gen', chat: 'on' });
    const expected = await cevalRecords(local, settings);
    const api = await served({ tokenizer: FIXTURE, apiChat: 'on' });
    const actual = await cevalRecords(api, settings);
    await api.dispose();
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    expect(actual.every((r) => r.status === 'ok' && typeof r.output === 'string' && r.output.length > 0)).toBe(true);
  });

  it('ceval ppl with the server\'s /tokenize instead of tokenizer files (plain format)', async () => {
    const settings = cevalSettings({ mode: 'ppl', chat: 'off' });
    const expected = await cevalRecords(local, settings);
    const api = await served();
    const actual = await cevalRecords(api, settings);
    await api.dispose();
    expect(actual.map(comparable)).toEqual(expected.map(comparable));
    actual.forEach((record, i) => expect(record.choices).toEqual(expected[i]?.choices));
  });

  it('a needle sweep: the same prompts, outputs and scores', async () => {
    const settings: NeedleSettings = {
      grid: { lengths: [512, 700], depths: [0, 50, 100], repeats: 1 }, seed: '7', haystack: 'en',
      task: { kind: 'single', needles: 3, distractors: 3, spacing: 10 }, answerTokens: 16, threshold: 0.85,
    };
    const strip = (records: NeedleRecord[]) => records.map(({ timings: _t, ...rest }) => rest);
    const expected = await runNeedle(local, { settings, outDir: temporaryDirectory('gnomon-cross-needle-'), argv: 'test' });
    const api = await served({ tokenizer: FIXTURE });
    const actual = await runNeedle(api, { settings, outDir: temporaryDirectory('gnomon-cross-needle-'), argv: 'test' });
    await api.dispose();
    expect(actual.sweep.records).toHaveLength(6);
    expect(actual.sweep.records.every((r) => r.status === 'ok')).toBe(true);
    expect(strip(actual.sweep.records)).toEqual(strip(expected.sweep.records));
  });

  it('stop strings cut the reply where the engine found them (stop_reason names the string)', async () => {
    const post = async (body: unknown) => ((await (await fetch(`${serve.baseUrl}/completions`, { method: 'POST', body: JSON.stringify(body) })).json()) as { choices: { text: string; finish_reason: string; stop_reason: unknown }[] }).choices[0];
    const free = await post({ prompt: 'The secret code is', max_tokens: 12, temperature: 0 });
    const text = free?.text ?? '';
    const stop = [...text].slice(3, 5).join('');
    expect(stop.length).toBe(2);
    const cut = await post({ prompt: 'The secret code is', max_tokens: 12, temperature: 0, stop: [stop] });
    expect(cut).toEqual({ ...cut, text: text.slice(0, text.indexOf(stop)), finish_reason: 'stop', stop_reason: stop });
  });

  it('concurrent requests are batched into engine calls, and each answer equals the one-at-a-time answer', async () => {
    const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
      const response = await fetch(`${serve.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    const ids = (await post('/tokenize', { prompt: 'The secret code for the blue door' })).tokens as number[];
    expect(ids[0]).toBe(local.tokenizer.bosId);
    const variants = Array.from({ length: 6 }, (_, i) => [...ids.slice(0, 3 + (i % 4)), 100 + i]);
    const score = (prompt: number[]) => post('/completions', { prompt, max_tokens: 0, echo: true, logprobs: 1 });
    const generate = (prompt: number[]) => post('/completions', { prompt, max_tokens: 6, temperature: 0 });
    const one = [];
    for (const prompt of variants) one.push(await score(prompt), await generate(prompt));
    const together = await Promise.all(variants.flatMap((prompt) => [score(prompt), generate(prompt)]));
    const choices = (replies: Record<string, unknown>[]) => replies.map((r) => r.choices);
    expect(choices(together)).toEqual(choices(one));
    const health = (await (await fetch(serve.baseUrl.replace(/\/v1$/, '/health'))).json()) as { batching: { largestBatch: number } };
    expect(health.batching.largestBatch).toBeGreaterThan(1);
    // The echo gives every prompt position: null first, then finite log-probs.
    const first = (together[0]?.choices as { logprobs: { token_logprobs: (number | null)[] } }[])[0]?.logprobs.token_logprobs ?? [];
    expect(first[0]).toBeNull();
    expect(first.slice(1).every((v) => typeof v === 'number' && Number.isFinite(v) && v < 0)).toBe(true);
    expect(first).toHaveLength(variants[0]?.length ?? 0);
    // And they equal the in-process scores of the same tokens.
    const [inProcess] = await local.scoreContinuations(variants[0]?.slice(0, 1) ?? [], [variants[0]?.slice(1) ?? []]);
    expect(first.slice(1)).toEqual(inProcess?.tokenLogprobs);
  });
});
