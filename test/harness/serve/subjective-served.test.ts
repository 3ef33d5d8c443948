/**
 * A served judge: `harness subjective`'s judge opened as an OpenAI-compatible endpoint (the
 * `--judge-api-base` source) over `harness serve`'s server grades MT-Bench answers exactly as the same
 * judge in process does, its conversations sent as chat messages.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../engine/language-model.js';
import { readJsonl } from '../../../harness/records.js';
import { startServer, type RunningServer } from '../../../harness/serve/openai-server.js';
import { describeSource, openLanguageModel, type ModelSource } from '../../../harness/subjective/language-models.js';
import type { SubjectiveRecord } from '../../../harness/subjective/record.js';
import { runSubjectiveEvaluation } from '../../../harness/subjective/runner.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';
import { startFaultProxy } from '../../helpers/fault-proxy.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';

const judge = (): ScriptedModel => new ScriptedModel({
  name: 'scripted-judge',
  reply: (prompt) => (prompt.includes('good answer') ? 'Good.\n\nRating: [[9]]' : 'Weak.\n\nRating: [[3]]'),
});
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(judge(), { host: '127.0.0.1', port: 0 });
});
afterAll(async () => server.close());

/**
 * Records without timings and prompt token counts: the client counts with the server's /tokenize,
 * which cannot render the judge's chat template (the server applies it to the messages it gets).
 */
function judgements(records: readonly SubjectiveRecord[]): unknown[] {
  return records.map((record) => JSON.parse(JSON.stringify(record, (key, value: unknown) => (/(^|_)ms$|timings|prompt_tokens/.test(key) ? undefined : value))) as unknown);
}

describe('a served judge', () => {
  it('gives the in-process judge\'s records, through the same opening path as --judge-api-base', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-served-judge-'));
    const file = join(dir, 'model.jsonl');
    writeFileSync(file, [81, 111].map((id) => `${JSON.stringify({ question_id: id, model_id: 'model', choices: [{ index: 0, turns: [`good answer to ${id}`, `bad answer to ${id}`] }] })}\n`).join(''));
    const settings = {
      preset: 'mtbench' as const, mode: 'score' as const, dataDir: BENCHMARKS_DIR, questionIds: ['81', '111'], answers: [file], orders: ['AB', 'BA'] as const,
      repeats: 1, judgeMaxOutLen: 64, maxOutLen: 32, batchSize: 3, bootstrap: 100, seed: 0,
    };
    const local = await runSubjectiveEvaluation({ settings: { ...settings, orders: [...settings.orders] }, judge: judge(), judgeSource: 'scripted', outDir: join(dir, 'local'), command: 'test' });
    const proxy = await startFaultProxy({ upstream: server.baseUrl.replace(/\/v1$/, ''), plan: () => 'none' });
    const source: ModelSource = { kind: 'api', baseUrl: `${proxy.url}/v1` };
    const served = await openLanguageModel(source, { concurrency: 2, maxRetries: 1 });
    const remote = await runSubjectiveEvaluation({ settings: { ...settings, orders: [...settings.orders] }, judge: served, judgeSource: describeSource(source), outDir: join(dir, 'served'), command: 'test' });
    await served.dispose();
    await proxy.close();
    const judged = proxy.requests.filter((r) => r.path.endsWith('completions'));
    expect(judged.length).toBeGreaterThan(0);
    expect(judged.every((r) => r.path === '/v1/chat/completions')).toBe(true);
    const expected = readJsonl<SubjectiveRecord>(join(local.runDir, 'records.jsonl'));
    const actual = readJsonl<SubjectiveRecord>(join(remote.runDir, 'records.jsonl'));
    expect(actual.length).toBe(expected.length);
    expect(actual.length).toBeGreaterThan(0);
    expect(judgements(actual)).toEqual(judgements(expected));
    expect(describeSource(source)).toBe(`OpenAI-compatible endpoint ${proxy.url}/v1`);
  });

  it('a judge request that keeps failing stops the run with a resumable UserError, keeping what was judged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-failing-judge-'));
    const file = join(dir, 'model.jsonl');
    writeFileSync(file, `${JSON.stringify({ question_id: 81, model_id: 'model', choices: [{ index: 0, turns: ['good answer', 'good answer'] }] })}\n`);
    let completions = 0;
    const proxy = await startFaultProxy({ upstream: server.baseUrl.replace(/\/v1$/, ''), plan: (_i, path) => (path.endsWith('completions') && ++completions > 1 ? '500' : 'none') });
    const source: ModelSource = { kind: 'api', baseUrl: `${proxy.url}/v1` };
    const served = await openLanguageModel(source, { concurrency: 1, maxRetries: 0 });
    const settings = {
      preset: 'mtbench' as const, mode: 'score' as const, dataDir: BENCHMARKS_DIR, questionIds: ['81'], answers: [file], orders: ['AB' as const],
      repeats: 1, judgeMaxOutLen: 64, maxOutLen: 32, batchSize: 1, bootstrap: 10, seed: 0,
    };
    const failure = await runSubjectiveEvaluation({ settings, judge: served, judgeSource: describeSource(source), outDir: join(dir, 'runs'), command: 'test' }).catch((error: unknown) => error);
    await served.dispose();
    await proxy.close();
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toMatch(/a served model's request failed after 1 attempt\(s\): POST .*\/v1\/chat\/completions: 500/);
    expect((failure as UserError).hint).toMatch(/--resume RUN_DIR/);
  });
});
