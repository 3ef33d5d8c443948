import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCevalEvaluation, type CevalSettings } from '../../../harness/ceval/evaluation.js';
import { cevalQuestionSet } from '../../../harness/ceval/question-set.js';
import type { CevalRecord } from '../../../harness/ceval/record.js';
import { runQuestionSet } from '../../../harness/ceval/runner.js';
import { readJsonl } from '../../../harness/records.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { BENCHMARKS_DIR, temporaryDirectory, tinyCevalDataDir } from './ceval-data-fixture.js';

const LETTER_B = 66;
/** Prefers B by one nat over every other token. */
const prefersB = (_context: readonly number[], token: number): number => (token === LETTER_B ? -1 : -2);

function settings(overrides: Partial<CevalSettings> = {}): CevalSettings {
  return { preset: 'ceval', dataDir: BENCHMARKS_DIR, split: 'val', chat: 'auto', mode: 'ppl', maxOutLen: 16, batchSize: 4, ...overrides };
}

async function runRecords(model: ScriptedModel, batchSize: number, subjects: string[]): Promise<CevalRecord[]> {
  const recordsFile = join(temporaryDirectory('gnomon-ceval-run-'), 'records.jsonl');
  await runQuestionSet(model, cevalQuestionSet(BENCHMARKS_DIR, 'val', subjects), {
    mode: 'ppl', chat: true, maxOutLen: 16, batchSize, recordsFile, finished: new Set(),
  });
  return readJsonl<CevalRecord>(recordsFile);
}

describe('ppl mode', () => {
  it('scores the four letters after one shared prefix per question and picks the most likely', async () => {
    const model = new ScriptedModel({ tokenLogprob: prefersB });
    const records = await runRecords(model, 1, ['computer_network']);
    expect(records).toHaveLength(19);
    expect(model.calls).toBe(19);
    // Forward tokens: each prompt once plus one token per letter — not four full sequences.
    expect(model.counters.forwardTokens).toBe(records.reduce((sum, r) => sum + r.prompt_tokens + 4, 0));
    for (const record of records) {
      expect(record.choices).toEqual({ A: -2, B: -1, C: -2, D: -2 });
      expect(record.extracted).toBe('B');
      expect(record.correct).toBe(record.target === 'B');
      expect(record).toMatchObject({ schema: 'gnomon.ceval.record.v1', subject: 'computer_network', mode: 'ppl', status: 'ok' });
      expect(record.prompt_hash).toMatch(/^[0-9a-f]{12}$/);
    }
  });

  it('results do not depend on the batch size', async () => {
    const strip = (records: CevalRecord[]) => records.map(({ ms: _ms, ...rest }) => rest);
    const one = await runRecords(new ScriptedModel({ tokenLogprob: prefersB }), 1, ['computer_network', 'logic']);
    const batched = new ScriptedModel({ tokenLogprob: prefersB });
    const seven = await runRecords(batched, 7, ['computer_network', 'logic']);
    expect(strip(seven)).toEqual(strip(one));
    // Per subject: the first question alone (it primes the engine's prefix cache), then batches of 7.
    expect(batched.calls).toBe(1 + Math.ceil(18 / 7) + 1 + Math.ceil(21 / 7));
  });
});

describe('gen mode', () => {
  it('extracts letters from replies and counts "no answer" apart from wrong answers', async () => {
    const replies = ['答案是 C', 'The answer is (A)', '我不知道', '<think>B?</think>D'];
    let call = 0;
    const model = new ScriptedModel({ reply: () => `${replies[call++ % replies.length] ?? ''}<|im_end|>` });
    const dataDir = tinyCevalDataDir();
    const result = await runCevalEvaluation(model, { settings: settings({ dataDir, mode: 'gen', maxOutLen: 32, subjects: ['computer_network'] }), outDir: temporaryDirectory('gnomon-ceval-out-'), command: 'test' });
    const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(records.map((r) => [r.output, r.extracted, r.target, r.correct, r.finish_reason])).toEqual([
      ['答案是 C', 'C', 'A', false, 'stop_token'],
      ['The answer is (A)', 'A', 'D', false, 'stop_token'],
      ['我不知道', null, 'C', false, 'stop_token'],
    ]);
    expect(result.summary).toMatchObject({ questions: 3, scored: 3, correct: 0, noAnswer: 1, skipped: 0 });
    expect(result.text).toContain('1 with no answer');
  });

  it('stops at --max-out-len tokens', async () => {
    const model = new ScriptedModel({ reply: () => 'C because it is the transport layer' });
    const dataDir = tinyCevalDataDir();
    const result = await runCevalEvaluation(model, { settings: settings({ dataDir, subjects: ['computer_network'], mode: 'gen', maxOutLen: 4, limit: 1 }), outDir: temporaryDirectory('gnomon-ceval-out-'), command: 'test' });
    const [record] = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(record).toMatchObject({ output: 'C be', finish_reason: 'max_tokens', extracted: 'C', correct: false });
  });
});

describe('prompts longer than the context', () => {
  it('are recorded as skips with the question and lengths, and counted in the summary', async () => {
    const model = new ScriptedModel({ tokenLogprob: prefersB, contextLength: 1800 });
    const result = await runCevalEvaluation(model, { settings: settings({ subjects: ['computer_network'] }), outDir: temporaryDirectory('gnomon-ceval-out-'), command: 'test' });
    const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    const skipped = records.filter((r) => r.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.length).toBeLessThan(records.length);
    for (const record of skipped) {
      expect(record.skip_reason).toMatch(/^prompt is \d+ tokens \(with the longest letter: \d+\), longer than the model's context of 1800 tokens$/);
      expect(record.prompt_tokens).toBeGreaterThan(1796);
      expect(record).toMatchObject({ extracted: null, correct: null, n_tokens: 0 });
    }
    expect(result.summary.skipped).toBe(skipped.length);
    expect(result.summary.subjects[0]?.count).toBe(records.length - skipped.length);
    expect(result.text).toContain(`${skipped.length} skipped`);
  });
});

describe('whole runs', () => {
  it('the val split of two subjects: groups, tables and report files', async () => {
    const model = new ScriptedModel({ tokenLogprob: prefersB });
    const result = await runCevalEvaluation(model, { settings: settings({ subjects: ['computer_network', 'advanced_mathematics'] }), outDir: temporaryDirectory('gnomon-ceval-out-'), command: 'test' });
    const records = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    const accuracy = (subject: string) => {
      const list = records.filter((r) => r.subject === subject);
      return (100 * list.filter((r) => r.target === 'B').length) / list.length;
    };
    const byName = new Map(result.summary.groups.map((g) => [g.name, g]));
    expect([...byName.keys()]).toEqual(['ceval-stem', 'ceval-hard', 'ceval']);
    // Two of 52 subjects: every group is partial, so no group number anywhere (OpenCompass prints '-').
    for (const group of byName.values()) expect(group).toMatchObject({ complete: false, meanAccuracy: Number.NaN, weightedAccuracy: Number.NaN });
    expect(byName.get('ceval')).toMatchObject({ subjectsPresent: 2, subjectsTotal: 52 });
    expect(result.text).toMatch(/\nceval\s+-\s+naive_average\s+ppl\s+-\s+\d+\s+-\s+-\s+\d+\s+\d+\s+partial 2\/52\n/);
    expect(accuracy('computer_network')).toBeGreaterThan(0);
    for (const file of ['summary.txt', 'summary.csv', 'summary.md', 'summary.json', 'report.html', 'run.json']) expect(existsSync(join(result.runDir, file))).toBe(true);
    expect(result.text.split('\n')[0]).toMatch(/^dataset\s+version\s+metric\s+mode\s+scripted\s+n\s+95% CI/);
    expect(result.text).toMatch(new RegExp(`ceval-computer_network\\s+${result.info.version}\\s+accuracy\\s+ppl\\s+${accuracy('computer_network').toFixed(2)}\\s+19`));
  });

  it('the test split writes predictions in the official submission shape', async () => {
    const model = new ScriptedModel({ tokenLogprob: prefersB });
    const result = await runCevalEvaluation(model, { settings: settings({ dataDir: tinyCevalDataDir(), subjects: ['computer_network'], split: 'test' }), outDir: temporaryDirectory('gnomon-ceval-out-'), command: 'test' });
    const submission = JSON.parse(readFileSync(join(result.runDir, 'submission.json'), 'utf8')) as unknown;
    expect(submission).toEqual({ computer_network: { 0: 'B', 1: 'B' } });
    const example = JSON.parse(readFileSync(join(BENCHMARKS_DIR, 'ceval', 'submission_example.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(Object.keys(example.computer_network ?? {})[0]).toBe('0');
    expect(result.summary.groups).toEqual([]);
    expect(result.text).toContain('submission.json');
  });

  it('the CMMLU preset runs with its own groups', async () => {
    const model = new ScriptedModel({ tokenLogprob: prefersB });
    const result = await runCevalEvaluation(model, { settings: settings({ preset: 'cmmlu', subjects: ['agronomy', 'ancient_chinese'], limit: 2 }), outDir: temporaryDirectory('gnomon-cmmlu-out-'), command: 'test' });
    expect(result.summary.dataset).toBe('cmmlu');
    expect(result.summary.groups.map((g) => g.name)).toEqual(['cmmlu-other', 'cmmlu-china-specific', 'cmmlu-social-science', 'cmmlu']);
    const [record] = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(record?.prompt.endsWith('D. 资金<|im_end|>\n<|im_start|>assistant\n答案是: ')).toBe(true);
    expect(result.text).toMatch(/^cmmlu-agronomy\s/m);
  });

  it('a custom CSV runs through the same modes with no code', async () => {
    const dir = temporaryDirectory('gnomon-custom-');
    const file = join(dir, 'primary-maths.csv');
    writeFileSync(file, 'question,A,B,C,D,answer\n2+3=?,4,5,6,7,B\n3*3=?,9,6,3,0,A\n10-4=?,5,6,7,8,B\n');
    const model = new ScriptedModel({ tokenLogprob: prefersB });
    const result = await runCevalEvaluation(model, { settings: settings({ custom: file, name: '小学数学' }), outDir: dir, command: 'test' });
    expect(result.summary.subjects).toMatchObject([{ subject: '小学数学', count: 3, correct: 2 }]);
    const [record] = readJsonl<CevalRecord>(join(result.runDir, 'records.jsonl'));
    expect(record?.prompt).toContain('以下是关于小学数学的单项选择题，请选出其中的正确答案。\n2+3=?\nA. 4\nB. 5\nC. 6\nD. 7\n答案: ');
    expect(result.text).toMatch(/小学数学\s+\w{6}\s+accuracy\s+ppl\s+66\.67\s+3/);
  });
});
