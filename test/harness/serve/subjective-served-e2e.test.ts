/**
 * The subjective pipeline end to end with a served judge, every part a separate process as a user
 * runs them: `harness serve --model tiny-fp32` (the engine behind the OpenAI-compatible server) and
 * `harness subjective --judge-api-base …` grading the published MT-Bench answers of alpaca-13b and
 * llama-13b. The grading process is SIGKILLed after two judgements and resumed; the records then equal
 * a complete set (random weights: the replies are noise — parse failures and skips are counted).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '../../../harness/records.js';
import type { SubjectiveRecord } from '../../../harness/subjective/record.js';
import { fixtureDir } from '../../helpers/internlm2-fixtures.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';
import { cliPath, exited, startCli } from '../../helpers/cli-process.js';
import { startServeChild, type ServeChild } from './cli-child.js';

const ANSWERS = join(BENCHMARKS_DIR, 'subjective/mt_bench/model_answer');
let serve: ServeChild;

beforeAll(async () => {
  serve = await startServeChild(cliPath(), ['--model', fixtureDir('tiny-fp32'), '--quiet']);
}, 300_000);

afterAll(async () => {
  if (serve) expect(await serve.stop()).toBe(0);
});

const lines = (file: string): number => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').length;
  } catch {
    return 0;
  }
};

describe('harness subjective with a judge served by harness serve', () => {
  it('grades two models\' published MT-Bench answers, survives a SIGKILL and resumes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gnomon-subjective-served-e2e-'));
    const common = ['--judge-api-base', serve.baseUrl, '--judge-max-out-len', '8', '--batch-size', '1', '--bootstrap', '100'];
    const first = startCli(['subjective', ...common, '--data-dir', BENCHMARKS_DIR, '--answers', join(ANSWERS, 'alpaca-13b.jsonl'), join(ANSWERS, 'llama-13b.jsonl'), '--questions', '116,120', '--out', out]);
    let recordsFile = '';
    for (;;) {
      const [dir] = readdirSync(out, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
      recordsFile = dir ? join(out, dir, 'records.jsonl') : '';
      if (recordsFile && lines(recordsFile) >= 2) break;
      if (first.exitCode !== null) throw new Error(`the grading process exited early: ${first.output.stderr}`);
      await new Promise((wait) => setTimeout(wait, 20));
    }
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    const runDir = join(recordsFile, '..');
    const beforeResume = readJsonl<SubjectiveRecord>(recordsFile);
    expect(beforeResume.length).toBeGreaterThanOrEqual(2);
    expect(beforeResume.length).toBeLessThan(8);

    const resuming = startCli(['subjective', ...common, '--resume', runDir]);
    const resumed = { ...(await exited(resuming)), stderr: resuming.output.stderr };
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`8 judgements planned, ${beforeResume.length} already finished`);

    const records = readJsonl<SubjectiveRecord>(recordsFile);
    expect(records).toHaveLength(8);
    expect(records.slice(0, beforeResume.length)).toEqual(beforeResume);
    expect(new Set(records.map((r) => r.key)).size).toBe(8);
    expect(new Set(records.map((r) => r.candidate))).toEqual(new Set(['alpaca-13b', 'llama-13b']));
    for (const r of records) {
      // The served judge is named by the server's /v1/models (the checkpoint folder's name).
      expect(r.judge).toBe('tiny-fp32');
      expect(['ok', 'parse_failure', 'skipped']).toContain(r.status);
      if (r.status !== 'skipped') expect(typeof r.reply).toBe('string');
    }
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { diagnostics: { judged: number; parseFailures: number; skipped: number } };
    expect(summary.diagnostics.judged + summary.diagnostics.skipped).toBe(8);
    expect(summary.diagnostics.parseFailures).toBe(records.filter((r) => r.status === 'parse_failure').length);
  });
});
