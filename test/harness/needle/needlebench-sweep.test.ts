/**
 * `--compat needlebench` end to end (scripted reader model, real data folder): the prompts sent are
 * NeedleBench's (in the model's chat template), scores are its evaluator's, and cells over the
 * model's context are marked and never sent — OpenCompass would truncate them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNeedle, type NeedleSettings } from '../../../harness/needle/needle-run.js';
import { readHaystackLines, readNames, readNeedles, readReasoningRecords } from '../../../harness/needle/needlebench/needlebench-data.js';
import { buildMultiReasoningCell } from '../../../harness/needle/needlebench/needlebench-multi.js';
import { buildOriginCell } from '../../../harness/needle/needlebench/needlebench-origin.js';
import { scoreMultiReasoning, scoreOrigin, scoreV1MultiReasoning } from '../../../harness/needle/needlebench/needlebench-score.js';
import type { NeedleRecord } from '../../../harness/needle/needle-record.js';
import { KinshipReaderModel, NeedleBenchReaderModel } from '../../../bench/scripted-needle-models.js';
import { makeTempFolder } from '../../helpers/internlm2-fixtures.js';
import { WordTokenizer } from '../../helpers/word-tokenizer.js';
import { makeNeedleBenchDataDir } from './needlebench-fixture.js';

const dataDir = makeNeedleBenchDataDir();

describe.each([
  ['v1', 'en', 'PaulGrahamEssays.jsonl', 600],
  ['v2', 'zh', 'zh_finance.jsonl', 200],
] as const)('--compat needlebench %s %s', (version, language, haystackFile, lengthBuffer) => {
  it('sends NeedleBench\'s prompts, scores with its evaluator, and marks cells over the context', async () => {
    const tokenizer = new WordTokenizer({ chat: true });
    const model = new NeedleBenchReaderModel({ tokenizer, contextLength: language === 'en' ? 1500 : 4000 });
    const settings: NeedleSettings = {
      grid: { lengths: [1000, 3000], depths: [0, 50, 100], repeats: 2 }, seed: '0', haystack: language,
      task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerTokens: 64, threshold: 0.85,
      compat: { kind: 'needlebench', version, size: '4k', dataDir, haystackFile, language, lengthBuffer },
    };
    const result = await runNeedle(model, { settings, outDir: makeTempFolder(), argv: 'test' });
    const records = readFileSync(join(result.dir, 'records.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as NeedleRecord);
    expect(records).toHaveLength(12);
    const needles = readNeedles(join(dataDir, 'needlebench/needles.jsonl'));
    const haystack = readHaystackLines(join(dataDir, 'needlebench', haystackFile));
    let sent = 0;
    for (const record of records) {
      const cell = buildOriginCell({ version, language, length: record.length_target, depth: record.depth_target, counter: record.repeat, lengthBuffer }, haystack, needles);
      const text = tokenizer.renderChat([{ role: 'user', content: cell.prompt }], true);
      expect(record.prompt_hash).toBe(createHash('sha256').update(text).digest('hex').slice(0, 16));
      expect(record.prompt_tokens).toBe((await tokenizer.encode(text)).length);
      expect(record.depth_actual).toBe(cell.depthActual);
      expect(record.haystack_tokens).toBe(cell.contextTokens);
      if (record.length_actual !== null && record.length_actual > model.info.contextLength) {
        expect(record.status).toBe('exceeds_context');
        expect(record.output).toBeNull();
        continue;
      }
      sent += 1;
      expect(record.status).toBe('ok');
      const theirs = scoreOrigin(version, record.output ?? '', cell.gold).score;
      expect(record.needlebench?.score).toBe(theirs);
      expect(record.score).toBe(theirs / 100);
      // The reader finds the needle line, so NeedleBench's scorer gives it full marks.
      expect(theirs, record.output ?? '').toBe(100);
    }
    expect(model.generateCalls).toBe(sent);
    // The summary carries NeedleBench's own number: the mean of its 0–100 scores over scored cells.
    const scored = records.filter((r) => r.status === 'ok').map((r) => r.needlebench?.score ?? NaN);
    expect(result.report.summary.needlebench).toEqual({ version, task: 'single', mean: scored.reduce((a, b) => a + b, 0) / scored.length });
    expect(result.text).toContain(`NeedleBench ${version} single score (its 0–100 scale, mean over scored cells): 100.00`);
    expect(sent).toBe(language === 'en' ? 6 : 12);
  }, 60_000);
});

describe('--compat needlebench --task multi-reasoning (v2)', () => {
  it('sends its kinship-chain prompts and scores the \\boxed{} name with its ATC evaluator', async () => {
    const tokenizer = new WordTokenizer({ chat: true });
    const names = readNames(join(dataDir, 'needlebench/names.json'));
    const model = new KinshipReaderModel({ tokenizer, names: names.en, window: 1500 });
    const settings: NeedleSettings = {
      grid: { lengths: [1000, 4000], depths: [0, 40, 80], repeats: 1 }, seed: '0', haystack: 'en',
      task: { kind: 'multi-reasoning', needles: 3, distractors: 0, spacing: 10 }, answerTokens: 256, threshold: 0.85,
      compat: { kind: 'needlebench', version: 'v2', size: '4k', dataDir, haystackFile: 'PaulGrahamEssays.jsonl', language: 'en', lengthBuffer: 500 },
    };
    const result = await runNeedle(model, { settings, outDir: makeTempFolder(), argv: 'test' });
    const haystack = readHaystackLines(join(dataDir, 'needlebench/PaulGrahamEssays.jsonl'));
    const scores: Record<string, number | null> = {};
    for (const record of result.sweep.records) {
      const cell = buildMultiReasoningCell({ language: 'en', length: record.length_target, depth: record.depth_target, counter: record.repeat, lengthBuffer: 500, needles: 3, diff: 10 }, haystack, { version: 'v2', names: names.en });
      expect(record.prompt_hash).toBe(createHash('sha256').update(tokenizer.renderChat([{ role: 'user', content: cell.prompt }], true)).digest('hex').slice(0, 16));
      expect(record.needlebench).toMatchObject({ version: 'v2', task: 'multi-reasoning', gold: cell.answer });
      expect(record.needles.map((n) => n.text)).toEqual(cell.needles.map((n) => n.trim()));
      expect(record.needlebench?.score).toBe(scoreMultiReasoning(record.output ?? '', cell.answer).score);
      scores[record.key] = record.score;
    }
    // The whole 1000-token prompt is in the reader's window; at 4000 it sees only the end, so a chain
    // starting early (depth 0, 40) loses its first links and the answer is wrong.
    expect(scores).toMatchObject({ '1000:0:0': 1, '1000:40:0': 1, '1000:80:0': 1, '4000:0:0': 0, '4000:40:0': 0 });
  }, 60_000);
});

describe('--compat needlebench --needlebench-version v1 --task multi-reasoning', () => {
  it('sends v1\'s reasoning prompts (records from multi_needle_reasoning_zh.json) and scores with its keyword evaluator', async () => {
    const tokenizer = new WordTokenizer({ chat: true });
    const model = new NeedleBenchReaderModel({ tokenizer });
    const settings: NeedleSettings = {
      grid: { lengths: [1000, 2000], depths: [0, 47], repeats: 2 }, seed: '0', haystack: 'zh',
      task: { kind: 'multi-reasoning', needles: 3, distractors: 0, spacing: 10 }, answerTokens: 64, threshold: 0.85,
      compat: { kind: 'needlebench', version: 'v1', size: '4k', dataDir, haystackFile: 'zh_finance.jsonl', language: 'zh', lengthBuffer: 200 },
    };
    const result = await runNeedle(model, { settings, outDir: makeTempFolder(), argv: 'test' });
    const records = readReasoningRecords(join(dataDir, 'needlebench/multi_needle_reasoning_zh.json'));
    const haystack = readHaystackLines(join(dataDir, 'needlebench/zh_finance.jsonl'));
    expect(result.sweep.records).toHaveLength(8);
    for (const record of result.sweep.records) {
      const cell = buildMultiReasoningCell({ language: 'zh', length: record.length_target, depth: record.depth_target, counter: record.repeat, lengthBuffer: 200, needles: 3, diff: 10 }, haystack, { version: 'v1', records });
      expect(record.prompt_hash).toBe(createHash('sha256').update(tokenizer.renderChat([{ role: 'user', content: cell.prompt }], true)).digest('hex').slice(0, 16));
      expect(record.status).toBe('ok');
      expect(record.needlebench).toMatchObject({ version: 'v1', task: 'multi-reasoning', gold: cell.answer });
      expect(record.needlebench?.score).toBe(scoreV1MultiReasoning(record.output ?? '', cell.answer));
    }
  }, 60_000);
});

describe('--compat needlebench settings', () => {
  it('refuses fractional depths and tasks it does not reproduce, before any run folder exists', async () => {
    const { validateSettings } = await import('../../../harness/needle/needle-run.js');
    const base: NeedleSettings = {
      grid: { lengths: [1000], depths: [0, 50], repeats: 1 }, seed: '0', haystack: 'en',
      task: { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, answerTokens: 32, threshold: 0.85,
      compat: { kind: 'needlebench', version: 'v2', size: '4k', dataDir, haystackFile: 'PaulGrahamEssays.jsonl', language: 'en', lengthBuffer: 500 },
    };
    expect(validateSettings(base)).toBe(base);
    expect(() => validateSettings({ ...base, grid: { ...base.grid, depths: [0, 33.333] } })).toThrow(/33\.333 is not a whole percent/);
    expect(() => validateSettings({ ...base, task: { ...base.task, kind: 'multi-retrieval', needles: 3 } })).toThrow(/not its multi-retrieval/);
  });
});
