import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError, type GenerateOptions, type GenerationResult } from '../../../engine/language-model.js';
import { loadHaystack } from '../../../harness/needle/haystack.js';
import type { NeedleRecord } from '../../../harness/needle/needle-record.js';
import { runNeedleSweep, type SweepOptions } from '../../../harness/needle/run-sweep.js';
import type { NeedleGrid } from '../../../harness/needle/grid.js';
import type { TaskOptions } from '../../../harness/needle/tasks.js';
import { BlindInTheMiddleModel, FixedWindowModel, OracleNeedleModel } from '../../../bench/scripted-needle-models.js';
import { WordTokenizer } from '../../helpers/word-tokenizer.js';

const DEPTHS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const single: TaskOptions = { kind: 'single', needles: 1, distractors: 0, spacing: 10 };

function sweepOptions(grid: NeedleGrid, task: TaskOptions = single, haystack = 'en'): SweepOptions {
  const dir = mkdtempSync(join(tmpdir(), 'gnomon-needle-'));
  return { grid, haystack: loadHaystack(haystack), plan: { task, answerReserve: 24, globalSeed: 11 }, recordsFile: join(dir, 'records.jsonl') };
}

function scoreAt(records: readonly NeedleRecord[], length: number, depth: number): number | null {
  return records.find((r) => r.length_target === length && r.depth_target === depth)?.score ?? null;
}

describe('needle sweeps with scripted models', () => {
  it('oracle: every cell scores 1, for every task, in English and Chinese', async () => {
    for (const haystack of ['en', 'zh']) {
      for (const task of [
        single,
        { kind: 'multi-retrieval', needles: 3, distractors: 0, spacing: 10 },
        { kind: 'multi-reasoning', needles: 3, distractors: 0, spacing: 10 },
        { kind: 'multi-key', needles: 1, distractors: 4, spacing: 10 },
      ] as const satisfies readonly TaskOptions[]) {
        const model = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) });
        const result = await runNeedleSweep(model, sweepOptions({ lengths: [512, 1024], depths: DEPTHS, repeats: 1 }, task, haystack));
        expect(result.records).toHaveLength(22);
        for (const record of result.records) {
          expect(record.status).toBe('ok');
          expect(record.score, `${haystack} ${task.kind} ${record.key}: ${record.output}`).toBe(1);
        }
      }
    }
  });

  it('blind in the middle: zeros exactly in the hidden band (35%–65% of the document)', async () => {
    const model = new BlindInTheMiddleModel({ tokenizer: new WordTokenizer({ chat: true }), from: 35, to: 65 });
    const { records } = await runNeedleSweep(model, sweepOptions({ lengths: [1024, 2048, 4096], depths: DEPTHS, repeats: 1 }));
    for (const length of [1024, 2048, 4096]) {
      const row = DEPTHS.map((depth) => scoreAt(records, length, depth));
      expect(row).toEqual([1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1]);
    }
  });

  it('fixed window: zeros before the window, ones inside it', async () => {
    const window = 1500;
    const model = new FixedWindowModel({ tokenizer: new WordTokenizer({ chat: true }), window });
    const lengths = [1024, 2048, 4096];
    const { records } = await runNeedleSweep(model, sweepOptions({ lengths, depths: DEPTHS, repeats: 1 }));
    expect(DEPTHS.map((d) => scoreAt(records, 1024, d))).toEqual(DEPTHS.map(() => 1));
    for (const length of [2048, 4096]) {
      for (const depth of DEPTHS) {
        const record = records.find((r) => r.length_target === length && r.depth_target === depth);
        if (!record || record.prompt_tokens === null || record.depth_actual === null) throw new Error('missing record');
        // Tokens from the needle to the end of the prompt: the haystack after it, the needle itself
        // (~12 tokens) and the question with the template (~40 tokens). Far from the edge, the answer is known.
        const haystackTokens = record.prompt_tokens - 60;
        const fromNeedleToEnd = (1 - record.depth_actual / 100) * haystackTokens + 60;
        if (fromNeedleToEnd < window - 40) expect(record.score, record.key).toBe(1);
        if (fromNeedleToEnd > window + 40) expect(record.score, record.key).toBe(0);
      }
      const row = DEPTHS.map((d) => scoreAt(records, length, d) ?? -1);
      // Monotone: once inside the window the needle stays found.
      expect(row.slice(row.indexOf(1)).every((score) => score === 1)).toBe(true);
      expect(row[0]).toBe(0);
      expect(row[10]).toBe(1);
    }
  });

  it('context guard: cells longer than the context are marked exceeds_context and never reach the model', async () => {
    const model = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }), contextLength: 1500 });
    const { records } = await runNeedleSweep(model, sweepOptions({ lengths: [1024, 2048], depths: [0, 50, 100], repeats: 1 }));
    expect(model.generateCalls).toBe(3);
    for (const record of records) {
      if (record.length_target === 2048) {
        expect(record.status).toBe('exceeds_context');
        expect(record.output).toBeNull();
        expect(record.score).toBeNull();
        expect(record.length_actual).toBeGreaterThan(1500);
      } else {
        expect(record.status).toBe('ok');
      }
    }
  });

  it('context guard: targets of twice the context or more are refused without planning', async () => {
    const model = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }), contextLength: 1500 });
    const { records } = await runNeedleSweep(model, sweepOptions({ lengths: [1024, 2048, 4096], depths: [50], repeats: 1 }));
    expect(records.map((r) => r.status)).toEqual(['ok', 'exceeds_context', 'exceeds_context']);
    expect(records[1]?.prompt_tokens).toBeGreaterThan(0); // planned: just over the context
    expect(records[2]?.prompt_tokens).toBeNull(); // not planned
    expect(records[2]?.error).toBe('length target 4096 tokens is at least twice the context 1500: not planned');
    expect(model.generateCalls).toBe(1);
  });

  it('records a failing cell with its error and goes on', async () => {
    class FlakyModel extends OracleNeedleModel {
      override async generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
        if (promptIds.length > 700) throw new Error('device lost');
        return super.generate(promptIds, options);
      }
    }
    const model = new FlakyModel({ tokenizer: new WordTokenizer({ chat: true }) });
    const { records } = await runNeedleSweep(model, sweepOptions({ lengths: [512, 1024], depths: [50], repeats: 1 }));
    expect(records.map((r) => r.status)).toEqual(['ok', 'error']);
    expect(records[1]?.error).toBe('Error: device lost');
  });

  it('refuses lengths too short for a haystack before any cell runs, naming the smallest length that works (issue 17 item 9)', async () => {
    const model = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) });
    const options = sweepOptions({ lengths: [256, 512], depths: DEPTHS, repeats: 1 });
    const refusal = await runNeedleSweep(model, { ...options, plan: { ...options.plan, answerReserve: 5000 } }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as UserError).message).toMatch(/^--lengths 256,512: too short for a real haystack/);
    const smallest = Number(/smallest length that works with these settings is (\d+) tokens/.exec((refusal as UserError).hint)?.[1]);
    expect(smallest).toBeGreaterThan(10_000);
    expect(model.generateCalls).toBe(0);
    expect(existsSync(options.recordsFile) ? readFileSync(options.recordsFile, 'utf8') : '').toBe('');
    // The length it names does work, and one token less than half of it would not.
    const ok = await runNeedleSweep(model, { ...options, grid: { ...options.grid, lengths: [smallest], depths: [0, 50, 100] }, plan: { ...options.plan, answerReserve: 5000 } });
    expect(ok.records.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    for (const record of ok.records) expect(record.haystack_tokens).toBeGreaterThanOrEqual(smallest / 2);
  });

  it('resumes: a killed sweep (torn last line) reruns only what did not finish', async () => {
    const options = sweepOptions({ lengths: [512, 1024], depths: [0, 50, 100], repeats: 2 });
    const first = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) });
    await runNeedleSweep(first, { ...options, grid: { ...options.grid, lengths: [512] } });
    appendFileSync(options.recordsFile, '{"schema":"gnomon.needle/1","key":"1024:0:0","sco');
    const second = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) });
    const result = await runNeedleSweep(second, options);
    expect(second.generateCalls).toBe(6);
    expect(result.ran).toBe(6);
    expect(result.records).toHaveLength(12);
    expect(new Set(result.records.map((r) => r.key)).size).toBe(12);
    expect(readFileSync(options.recordsFile, 'utf8').endsWith('\n')).toBe(true);
  });
});

describe('judge hook', () => {
  it('records a judge verdict beside the string-match score when a judge is passed', async () => {
    const requests: string[] = [];
    const judge = {
      name: 'exact-line',
      async judge(request: { question: string; expected: readonly string[]; output: string }) {
        requests.push(request.question);
        return { score: request.output.trim() === request.expected.join(', ') ? 1 : 0, rationale: 'whole answer equals the codes' };
      },
    };
    const model = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) });
    const { records } = await runNeedleSweep(model, { ...sweepOptions({ lengths: [512], depths: [0, 100], repeats: 1 }), judge });
    expect(requests).toHaveLength(2);
    for (const record of records) expect(record.judge).toEqual({ name: 'exact-line', score: 1, rationale: 'whole answer equals the codes' });
  });
});

describe('determinism', () => {
  it('two runs and a reversed grid give identical prompts and needles per cell', async () => {
    const grid: NeedleGrid = { lengths: [512, 1024, 2048], depths: [0, 25, 50, 75, 100], repeats: 2 };
    const reversed: NeedleGrid = { ...grid, lengths: [...grid.lengths].reverse(), depths: [...grid.depths].reverse() };
    const task: TaskOptions = { kind: 'multi-key', needles: 1, distractors: 3, spacing: 10 };
    const runs: NeedleRecord[][] = [];
    for (const g of [grid, grid, reversed]) {
      const model = new OracleNeedleModel({ tokenizer: new WordTokenizer({ chat: true }) });
      runs.push((await runNeedleSweep(model, sweepOptions(g, task))).records);
    }
    const view = (records: NeedleRecord[]): string[] =>
      records.map((r) => JSON.stringify([r.key, r.seed, r.prompt_hash, r.length_actual, r.depth_actual, r.needles, r.question, r.output])).sort();
    expect(view(runs[1]!)).toEqual(view(runs[0]!));
    expect(view(runs[2]!)).toEqual(view(runs[0]!));
    // Cells really differ from each other (the hash covers length, depth and repeat).
    expect(new Set(runs[0]!.map((r) => r.prompt_hash)).size).toBe(30);
  });
});
