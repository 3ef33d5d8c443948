/**
 * `--compat needlebench` against NeedleBench's own code: data/needlebench-prompts.json holds what a
 * stdlib Python re-run of OpenCompass's origin.py (v1 and v2) rendered for 4k and 8k cells in English
 * and Chinese from the data folder of needlebench-fixture.ts, and what its evaluators scored on a
 * table of replies (see data/README.md for how it was produced). Prompts are compared whole by
 * SHA-256; the excerpts make a failure readable.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCl100k, encodeCl100k } from '../../../harness/needle/needlebench/cl100k.js';
import { readHaystackLines, readNeedles } from '../../../harness/needle/needlebench/needlebench-data.js';
import { buildOriginCell } from '../../../harness/needle/needlebench/needlebench-origin.js';
import { levenshtein, overallScore, scoreOrigin, scoreParallel } from '../../../harness/needle/needlebench/needlebench-score.js';
import { makeNeedleBenchDataDir } from './needlebench-fixture.js';

interface ExpectedCell {
  version: 'v1' | 'v2';
  language: 'en' | 'zh';
  length: number;
  depth: number;
  counter: number;
  length_buffer: number;
  gold: string;
  insertion_point: number;
  context_tokens: number;
  replacement_chars: number;
  sha256: string;
  chars: number;
  head: string;
  tail: string;
  needle_at: number;
  around_needle: string;
}

const expected = JSON.parse(readFileSync(new URL('./data/needlebench-prompts.json', import.meta.url), 'utf8')) as {
  cells: ExpectedCell[];
  scores: { reply: string; gold: string; v1: number; v2: number }[];
};

describe('cl100k (js-tiktoken) against tiktoken\'s own test vectors', () => {
  it('encodes and decodes as tiktoken does', () => {
    expect(encodeCl100k('hello world')).toEqual([15339, 1917]);
    expect(encodeCl100k('rer')).toEqual([38149]);
    expect(encodeCl100k("'rer")).toEqual([2351, 81]);
    expect(encodeCl100k('today\n ')).toEqual([31213, 198, 220]);
    expect(encodeCl100k('today\n \n')).toEqual([31213, 27907]);
    expect(encodeCl100k('today\n  \n')).toEqual([31213, 14211]);
    expect(encodeCl100k(' \x850')).toEqual([220, 126, 227, 15]);
    expect(encodeCl100k('👍')).toEqual([9468, 239, 235]);
    expect(decodeCl100k(encodeCl100k('请考试我的软件！12345'))).toBe('请考试我的软件！12345');
    expect(() => encodeCl100k('hello <|endoftext|>')).toThrow(/special token/);
    // A cut through a character decodes to U+FFFD, as tiktoken's errors='replace'.
    expect(decodeCl100k([9468, 239])).toBe('\uFFFD');
  });
});

describe('NeedleBench single-needle prompts equal its code\'s', () => {
  const dir = makeNeedleBenchDataDir();
  const needles = readNeedles(join(dir, 'needlebench/needles.jsonl'));
  const haystacks = {
    en: readHaystackLines(join(dir, 'needlebench/PaulGrahamEssays.jsonl')),
    zh: readHaystackLines(join(dir, 'needlebench/zh_finance.jsonl')),
  };
  it.each(expected.cells.map((cell) => [`${cell.version} ${cell.language} length ${cell.length} depth ${cell.depth} counter ${cell.counter}`, cell] as const))('%s', (_name, cell) => {
    const built = buildOriginCell({ version: cell.version, language: cell.language, length: cell.length, depth: cell.depth, counter: cell.counter, lengthBuffer: cell.length_buffer }, haystacks[cell.language], needles);
    expect(built.gold).toBe(cell.gold);
    expect(built.contextTokens).toBe(cell.context_tokens);
    expect(built.insertionPoint).toBe(cell.insertion_point);
    expect(built.prompt.slice(0, 300)).toBe(cell.head);
    expect(built.prompt.slice(-400)).toBe(cell.tail);
    const at = built.prompt.indexOf(cell.gold.split('*')[0]?.trim() ?? '');
    expect(at).toBe(cell.needle_at);
    expect(built.prompt.length).toBe(cell.chars);
    expect((built.prompt.match(/\uFFFD/g) ?? []).length).toBe(cell.replacement_chars);
    expect(createHash('sha256').update(built.prompt).digest('hex')).toBe(cell.sha256);
  });
  it('the test data covers a cut through a character (U+FFFD), both versions, both languages, 4k and 8k', () => {
    expect(expected.cells.some((cell) => cell.replacement_chars > 0)).toBe(true);
    expect(new Set(expected.cells.map((cell) => `${cell.version}${cell.language}${cell.length}`)).size).toBe(8);
  });
});

describe('NeedleBench scorers equal its evaluators on a table of replies', () => {
  it.each(expected.scores.map((row, index) => [index, row] as const))('reply %i', (_index, row) => {
    expect(scoreOrigin('v2', row.reply, row.gold).score).toBe(row.v2);
    expect(scoreOrigin('v1', row.reply, row.gold).score).toBe(row.v1);
  });
  it('levenshtein, multi-retrieval and the overall weighting', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('🔑a', 'a')).toBe(1);
    expect(scoreParallel('Quietwater and Moonleaf', ['Quietwater', 'Moonleaf', 'Farwind'])).toBeCloseTo(200 / 3, 10);
    expect(overallScore({ single: 90, multiRetrieval: 60, multiReasoning: 30 })).toBeCloseTo(0.4 * 90 + 0.3 * 60 + 0.3 * 30, 10);
  });
});

describe('NeedleBench config grids', () => {
  it('match the single-needle configs (v1 depths are int(generate_linear_space(0, 100, 20)) as python3 computes them)', async () => {
    const { needleBenchConfig } = await import('../../../harness/needle/needlebench/needlebench-config.js');
    expect(needleBenchConfig('v1', '4k').depths).toEqual([0, 5, 10, 15, 21, 26, 31, 36, 42, 47, 52, 57, 63, 68, 73, 78, 84, 89, 94, 100]);
    expect(needleBenchConfig('v1', '8k')).toMatchObject({ lengths: [5000, 6000, 7000, 8000], lengthBuffer: { en: 800, zh: 200 }, repeats: 10 });
    expect(needleBenchConfig('v1', '32k').depths).toEqual([0, 10, 21, 31, 42, 52, 63, 73, 84, 94, 100]);
    expect(needleBenchConfig('v2', '8k')).toMatchObject({ lengths: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000], depths: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], lengthBuffer: { en: 500, zh: 200 } });
    expect(needleBenchConfig('v2', '128k')).toMatchObject({ lengths: [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000], lengthBuffer: { en: 3000, zh: 200 } });
  });
});

describe('NeedleBench data folder errors', () => {
  it('names the file and line of a bad needle or haystack line, and a missing file', async () => {
    const { writeFileSync } = await import('node:fs');
    const { UserError } = await import('../../../engine/language-model.js');
    const { needleBenchFolder } = await import('../../../harness/needle/needlebench/needlebench-data.js');
    const dir = makeNeedleBenchDataDir();
    const bad = join(dir, 'needlebench/bad.jsonl');
    writeFileSync(bad, '{"text": "fine"}\n{"txt": "no text field"}\n');
    expect(() => readHaystackLines(bad)).toThrow(/bad\.jsonl:2: no string field "text"/);
    writeFileSync(bad, '{"needle": "n", "retrieval_question": "q", "arg1": "a", "arg2": "b", "language": "French"}\n');
    expect(() => readNeedles(bad)).toThrow(/bad\.jsonl:1: language "French" is neither English nor Chinese/);
    writeFileSync(bad, '{"text": "fine"}\nnot json\n');
    expect(() => readHaystackLines(bad)).toThrow(/bad\.jsonl:2: not a JSON object/);
    expect(() => readHaystackLines(join(dir, 'needlebench/missing.jsonl'))).toThrow(UserError);
    expect(() => needleBenchFolder(join(dir, 'nowhere'))).toThrow(/is not a folder/);
  });
});
