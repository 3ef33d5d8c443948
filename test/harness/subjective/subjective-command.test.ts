/** `harness subjective` flags: mistakes are UserErrors before any model loads; --report needs no model. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../engine/errors.js';
import subjective from '../../../harness/commands/subjective.js';
import { writeRunInfo } from '../../../harness/records.js';
import { SUBJECTIVE_RUN_SCHEMA, type SubjectiveRunInfo } from '../../../harness/subjective/run-info.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';
import { scoreRecord } from './records-fixture.js';

async function run(argv: string[]): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
  try {
    await yargs(argv).command(subjective).strict().fail((message, error) => { throw error ?? new Error(message); }).parseAsync();
  } finally {
    process.stdout.write = write;
  }
  return printed;
}

const ANSWERS = join(BENCHMARKS_DIR, 'subjective/mt_bench/model_answer');

describe('harness subjective command', () => {
  it('rejects mistakes with a UserError before loading a model or creating a run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gnomon-subjective-cmd-'));
    // The judge folder does not exist: reaching the model load would fail differently.
    const base = ['subjective', '--data-dir', BENCHMARKS_DIR, '--out', out, '--judge-model', '/no/such/judge'];
    const cases: [string[], RegExp][] = [
      [['subjective', '--data-dir', BENCHMARKS_DIR, '--answers', join(ANSWERS, 'gpt-4.jsonl'), '--out', out], /--judge-model DIR is required/],
      [[...base, '--preset', 'alignbench', '--mode', 'pairwise', '--answers', join(ANSWERS, 'gpt-4.jsonl')], /alignbench has no pairwise mode/],
      [[...base, '--mode', 'pairwise', '--answers', join(ANSWERS, 'gpt-4.jsonl'), '--baseline', 'no-such-model'], /neither an answers file nor a published model/],
      [[...base, '--answers', '/no/such/answers.jsonl'], /answers\.jsonl: not found/],
      [[...base, '--answers', join(ANSWERS, 'gpt-4.jsonl'), '--questions', '9999'], /no question left/],
      [[...base, '--answers', join(ANSWERS, 'gpt-4.jsonl'), '--repeats', '0'], /--repeats 0: expected a whole number ≥ 1/],
      [['subjective', '--data-dir', '/no/such/data', '--out', out, '--judge-model', '/x', '--answers', join(ANSWERS, 'gpt-4.jsonl')], /question\.jsonl: not found|reference_answer/],
    ];
    for (const [argv, message] of cases) {
      const error = await run(argv).then(() => undefined, (caught: unknown) => caught);
      expect(isUserError(error), `${argv.join(' ')}: ${String(error)}`).toBe(true);
      expect((error as Error).message, argv.join(' ')).toMatch(message);
    }
    expect(readdirSync(out)).toEqual([]);
  });

  it('--report RUN rewrites the tables and report.html from the records alone', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'gnomon-subjective-report-'));
    const info: SubjectiveRunInfo = {
      schema: SUBJECTIVE_RUN_SCHEMA, command: 'test', started: '2026-12-06T06:00:00.000Z', preset: 'mtbench', mode: 'score', questionSource: 'test', questions: 2,
      judge: { name: 'judge', checkpointHash: 'x', device: 'scripted', contextLength: 4096, source: 'scripted' }, answerModel: null,
      sources: [{ model: 'm', source: 'm.jsonl' }], baseline: null,
      settings: { preset: 'mtbench', mode: 'score', dataDir: 'data', answers: ['m.jsonl'], orders: ['AB', 'BA'], repeats: 1, judgeMaxOutLen: 64, maxOutLen: 64, batchSize: 1, bootstrap: 10, seed: 0 },
    };
    writeRunInfo(runDir, info);
    const records = [scoreRecord('m', '81', 'writing', 1, { score: 8 }), scoreRecord('m', '82', 'writing', 1, { score: 6 }), scoreRecord('m', '111', 'math', 1, 'parse_failure')];
    writeFileSync(join(runDir, 'records.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const printed = await run(['subjective', '--report', runDir]);
    expect(printed).toMatch(/^MT-Bench scores \(judge judge\)\nmodel +total +95% CI +writing +roleplay/);
    expect(printed).toMatch(/\nm +7\.00 +6\.00–8\.00 +7\.00 +- +- +- +- +- +- +- +7\.00 +2 +1 +0\n/);
    expect(readFileSync(join(runDir, 'summary.csv'), 'utf8').split('\n')[0]).toBe('model,total,95% CI,writing,roleplay,reasoning,math,coding,extraction,stem,humanities,turn 1,n,parse failures,skipped');
    expect(printed).toContain(`wrote ${join(runDir, 'report.html')}`);
  });
});
