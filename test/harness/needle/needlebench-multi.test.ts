/**
 * NeedleBench v2 multi-needle reasoning against its code: data/needlebench-multi-reasoning.json holds
 * what a stdlib Python re-run of needlebench_v2/multi.py (its prompt function taken verbatim from the
 * upstream file) rendered for four cells — en and zh, 4k and 8k, 2 to 5 needles — and what the ATC
 * postprocess + evaluator scored on a table of replies (data/README.md says how it was produced).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHaystackLines, readNames, readReasoningRecords } from '../../../harness/needle/needlebench/needlebench-data.js';
import { buildMultiReasoningCell } from '../../../harness/needle/needlebench/needlebench-multi.js';
import { scoreMultiReasoning, scoreV1MultiReasoning } from '../../../harness/needle/needlebench/needlebench-score.js';
import { makeNeedleBenchDataDir } from './needlebench-fixture.js';

interface ExpectedCell {
  language: 'en' | 'zh';
  length: number;
  depth: number;
  counter: number;
  needles: number;
  length_buffer: number;
  answer: string;
  needle_texts: string[];
  sha256: string;
  chars: number;
  head: string;
  tail: string;
  first_needle_at: number;
  around_first_needle: string;
}

const expected = JSON.parse(readFileSync(new URL('./data/needlebench-multi-reasoning.json', import.meta.url), 'utf8')) as {
  cells: ExpectedCell[];
  scores: { reply: string; answer: string; extracted: string; score: number }[];
  v1_cells: ExpectedCell[];
  v1_scores: { reply: string; answer: string; score: number }[];
};

describe('NeedleBench v2 multi-needle reasoning prompts equal its code\'s', () => {
  const dir = makeNeedleBenchDataDir();
  const names = readNames(join(dir, 'needlebench/names.json'));
  const haystacks = {
    en: readHaystackLines(join(dir, 'needlebench/PaulGrahamEssays.jsonl')),
    zh: readHaystackLines(join(dir, 'needlebench/zh_finance.jsonl')),
  };
  it.each(expected.cells.map((cell) => [`${cell.language} length ${cell.length} depth ${cell.depth} counter ${cell.counter}, ${cell.needles} needles`, cell] as const))('%s', (_name, cell) => {
    const built = buildMultiReasoningCell({ language: cell.language, length: cell.length, depth: cell.depth, counter: cell.counter, lengthBuffer: cell.length_buffer, needles: cell.needles, diff: 10 }, haystacks[cell.language], { version: 'v2', names: names[cell.language] });
    expect(built.answer).toBe(cell.answer);
    expect(built.needles).toEqual(cell.needle_texts);
    expect(built.prompt.slice(0, 300)).toBe(cell.head);
    expect(built.prompt.slice(-500)).toBe(cell.tail);
    expect(built.prompt.indexOf(cell.needle_texts[0]?.trim() ?? '')).toBe(cell.first_needle_at);
    expect(built.prompt.length).toBe(cell.chars);
    expect(createHash('sha256').update(built.prompt).digest('hex')).toBe(cell.sha256);
    expect(Math.abs((built.depthsActual[0] ?? -1) - cell.depth)).toBeLessThanOrEqual(0.1);
  });
});

describe('NeedleBench v1 multi-needle reasoning prompts equal its code\'s', () => {
  const dir = makeNeedleBenchDataDir();
  const records = {
    en: readReasoningRecords(join(dir, 'needlebench/multi_needle_reasoning_en.json')),
    zh: readReasoningRecords(join(dir, 'needlebench/multi_needle_reasoning_zh.json')),
  };
  const haystacks = {
    en: readHaystackLines(join(dir, 'needlebench/PaulGrahamEssays.jsonl')),
    zh: readHaystackLines(join(dir, 'needlebench/zh_finance.jsonl')),
  };
  it.each(expected.v1_cells.map((cell) => [`${cell.language} length ${cell.length} depth ${cell.depth} counter ${cell.counter}, ${cell.needles} needles`, cell] as const))('%s', (_name, cell) => {
    const built = buildMultiReasoningCell({ language: cell.language, length: cell.length, depth: cell.depth, counter: cell.counter, lengthBuffer: cell.length_buffer, needles: cell.needles, diff: 10 }, haystacks[cell.language], { version: 'v1', records: records[cell.language] });
    expect(built.answer).toBe(cell.answer);
    expect(built.needles).toEqual(cell.needle_texts);
    expect(built.prompt.slice(0, 300)).toBe(cell.head);
    expect(built.prompt.slice(-500)).toBe(cell.tail);
    expect(built.prompt.length).toBe(cell.chars);
    expect(createHash('sha256').update(built.prompt).digest('hex')).toBe(cell.sha256);
  });
  it.each(expected.v1_scores.map((row, index) => [index, row] as const))('v1 scorer, reply %i', (_index, row) => {
    expect(scoreV1MultiReasoning(row.reply, row.answer)).toBe(row.score);
  });
});

describe('NeedleBench ATC scorer equals its postprocess + evaluator', () => {
  it.each(expected.scores.map((row, index) => [index, row] as const))('reply %i', (_index, row) => {
    const ours = scoreMultiReasoning(row.reply, row.answer);
    expect(ours.extracted).toBe(row.extracted);
    expect(ours.score).toBe(row.score);
  });
});
