/**
 * A whole evaluation against a flaky server: `harness serve`'s server (over a scripted model, so the
 * right answer to every request is known) behind a proxy that turns 30% of requests into transient
 * faults (429, 500, dropped connection, cut JSON, slow reply), with the client capped at 2 requests in
 * flight. Every record must be either exactly the in-process record or an error record; none lost,
 * none twice; the proxy never sees more than 2 at once; `--resume` retries only the errors and ends
 * with the in-process records. The API key must appear nowhere in the run folder or the log.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCevalEvaluation, type CevalSettings } from '../../../harness/ceval/evaluation.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { openModel } from '../../../harness/model-options.js';
import { runNeedle, type NeedleSettings } from '../../../harness/needle/needle-run.js';
import type { NeedleRecord } from '../../../harness/needle/needle-record.js';
import { readJsonl } from '../../../harness/records.js';
import { startServer, type RunningServer } from '../../../harness/serve/openai-server.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../../helpers/fault-proxy.js';
import { ByteTokenizer } from '../../helpers/byte-tokenizer.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR, temporaryDirectory } from '../ceval/ceval-data-fixture.js';

const KEY = 'sk-gnomon-test-9f3a1c77e2';
const KEY_VARIABLE = 'GNOMON_FAULTY_SWEEP_KEY';
const LETTER_B = 66;
// A base model (no chat template): the client counts tokens with the server's /tokenize, which
// cannot render a template, so both sides build the same plain prompts.
const scripted = (): ScriptedModel => new ScriptedModel({
  name: 'flaky-scripted',
  tokenizer: new ByteTokenizer({ chatTemplate: null }),
  tokenLogprob: (context, token) => (token === LETTER_B ? -1 : -2 - (context.length % 5) / 10),
  reply: (prompt) => `The code is ${/\d{6}/.exec(prompt)?.[0] ?? 'unknown'}.`,
});

/** mulberry32: a seeded fault pattern, so the run is the same from one machine to the next. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRANSIENT: readonly Fault[] = ['429', '500', 'drop', 'invalid-json', 'slow'];
let upstream: RunningServer;
let proxy: FaultProxy;
const log: string[] = [];

beforeAll(async () => {
  process.env[KEY_VARIABLE] = KEY;
  upstream = await startServer(scripted(), { host: '127.0.0.1', port: 0, apiKey: KEY });
  const random = seeded(16);
  proxy = await startFaultProxy({
    upstream: upstream.baseUrl.replace(/\/v1$/, ''),
    // Model requests (completions) get 30% faults; /models and /tokenize pass, since a prompt that
    // cannot be tokenized stops the run (to be resumed) rather than making an error record.
    plan: (_index, path) => (path.endsWith('completions') && random() < 0.3 ? TRANSIENT[Math.floor(random() * TRANSIENT.length)] ?? '500' : 'none'),
    slowMs: 30,
  });
});

afterAll(async () => {
  delete process.env[KEY_VARIABLE];
  await proxy.close();
  await upstream.close();
});

const apiArguments = (maxRetries: number) => ({
  apiBase: `${proxy.url}/v1`, apiKeyEnv: KEY_VARIABLE, concurrency: 2, maxRetries, requestTimeout: 5,
});

function withoutTiming<T extends { ms?: number; timings?: unknown }>(record: T): Omit<T, 'ms' | 'timings'> {
  const { ms: _ms, timings: _timings, ...rest } = record;
  return rest;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

describe('a C-Eval run against a server with 30% transient faults, 2 requests in flight', () => {
  const settings: CevalSettings = {
    preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', subjects: ['computer_network', 'logic'], chat: 'off', mode: 'ppl', maxOutLen: 8, batchSize: 4,
  };

  it('records every question once: the in-process record or an error; resume retries only the errors', async () => {
    const reference = await runCevalEvaluation(scripted(), { settings, outDir: temporaryDirectory('gnomon-flaky-ref-'), command: 'reference' });
    const expected = new Map(readJsonl<CevalRecord>(join(reference.runDir, 'records.jsonl')).map((r) => [`${r.subject}#${r.row}`, withoutTiming(r)]));
    const total = expected.size;
    expect(total).toBe(41);

    // One retry only, so that some requests fail for good (about 9% of them, ~30% of the 41 questions).
    const flaky = await openModel(apiArguments(1), (line) => log.push(line));
    const first = await runCevalEvaluation(flaky, { settings, outDir: temporaryDirectory('gnomon-flaky-'), command: 'ceval --api-base …', log: (line) => log.push(line) });
    await flaky.dispose();
    const records = readJsonl<CevalRecord>(join(first.runDir, 'records.jsonl'));
    expect(records).toHaveLength(total);
    expect(new Set(records.map((r) => `${r.subject}#${r.row}`)).size).toBe(total);
    const errors = records.filter((r) => r.status === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThan(total);
    for (const record of records) {
      if (record.status === 'ok') {
        expect(withoutTiming(record)).toEqual(expected.get(`${record.subject}#${record.row}`));
      } else {
        expect(record.status).toBe('error');
        expect(record.correct).toBeNull();
        expect(record.extracted).toBeNull();
        expect(record.error?.attempts).toBe(2);
        expect([429, 500, 200, null]).toContain(record.error?.status);
        expect(record.error?.message).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/v1\/completions: /);
      }
    }
    expect(first.text).toContain(`${errors.length} errors (not scored; --resume retries them)`);
    expect(proxy.peakInFlight()).toBeLessThanOrEqual(2);
    expect(proxy.requests.filter((r) => r.fault !== 'none').length).toBeGreaterThan(20);

    // Resume with more retries: only the errored questions run again.
    const before = proxy.requests.length;
    const patient = await openModel(apiArguments(12), (line) => log.push(line));
    await runCevalEvaluation(patient, { settings, outDir: '', resumeDir: first.runDir, command: 'resume', log: (line) => log.push(line) });
    await patient.dispose();
    const scoringRequests = proxy.requests.slice(before).filter((r) => r.path === '/v1/completions' && (r.fault === 'none' || r.fault === 'slow')).length;
    // Four letters per errored question, plus the scoring probe.
    expect(scoringRequests).toBe(4 * errors.length + 1);
    const resumed = readJsonl<CevalRecord>(join(first.runDir, 'records.jsonl'));
    expect(resumed).toHaveLength(total);
    expect(resumed.every((r) => r.status === 'ok')).toBe(true);
    expect(new Map(resumed.map((r) => [`${r.subject}#${r.row}`, withoutTiming(r)]))).toEqual(expected);
    expect(proxy.peakInFlight()).toBeLessThanOrEqual(2);

    // The key went to the server in every request's header, and nowhere else.
    expect(proxy.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
    for (const file of filesUnder(first.runDir)) expect(readFileSync(file, 'utf8')).not.toContain(KEY);
    expect(log.join('\n')).not.toContain(KEY);
    expect(log.some((line) => /^api: .*retry 1 of 1/.test(line))).toBe(true);
  });
});

describe('a needle sweep against the same flaky server', () => {
  it('every cell is scored as in process or is an error with its request failure; resume completes it', async () => {
    const settings: NeedleSettings = {
      grid: { lengths: [700, 1400], depths: [0, 50, 100], repeats: 2 }, seed: '3', haystack: 'en',
      task: { kind: 'single', needles: 3, distractors: 3, spacing: 10 }, answerTokens: 24, threshold: 0.85,
    };
    const reference = await runNeedle(scripted(), { settings, outDir: temporaryDirectory('gnomon-flaky-needle-ref-'), argv: 'reference' });
    const expected = new Map(reference.sweep.records.map((r) => [r.key, withoutTiming(r)]));
    expect(reference.sweep.records.map((r) => r.status)).toEqual(Array(12).fill('ok'));

    // No retries: about 30% of the cells fail (cells run one at a time, so the pattern is fixed).
    const flaky = await openModel(apiArguments(0), (line) => log.push(line));
    const first = await runNeedle(flaky, { settings, outDir: temporaryDirectory('gnomon-flaky-needle-'), argv: 'needle --api-base …' });
    await flaky.dispose();
    const records = first.sweep.records;
    expect(records).toHaveLength(12);
    expect(new Set(records.map((r) => r.key)).size).toBe(12);
    for (const record of records) {
      if (record.status === 'ok') expect(withoutTiming(record)).toEqual(expected.get(record.key));
      else expect(record.status).toBe('error');
    }
    const generationErrors = records.filter((r): r is NeedleRecord & { request_error: NonNullable<NeedleRecord['request_error']> } => r.request_error !== undefined);
    expect(generationErrors.length).toBeGreaterThan(0);
    expect(generationErrors.length).toBe(records.filter((r) => r.status === 'error').length);
    for (const record of generationErrors) {
      expect(record.request_error.attempts).toBe(1);
      expect(record.score).toBeNull();
      expect(record.error).toMatch(/ModelRequestError: POST .*\/v1\/completions/);
    }
    expect(first.text).toMatch(/errors/);

    const patient = await openModel(apiArguments(12), (line) => log.push(line));
    const resumed = await runNeedle(patient, { settings, outDir: '', resumeDir: first.dir, argv: 'resume' });
    await patient.dispose();
    expect(resumed.sweep.records).toHaveLength(12);
    expect(new Map(resumed.sweep.records.map((r) => [r.key, withoutTiming(r)]))).toEqual(expected);
    expect(proxy.peakInFlight()).toBeLessThanOrEqual(2);
  });
});
