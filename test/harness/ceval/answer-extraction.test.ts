import { describe, expect, it } from 'vitest';
import { extractChoice, stripThinking } from '../../../harness/ceval/answer-extraction.js';

describe('extractChoice', () => {
  it.each([
    ['B', 'B'],
    [' C. 应用层', 'C'],
    ['答案是 B', 'B'],
    ['答案是：D。', 'D'],
    ['答案：B', 'B'],
    ['答案: A', 'A'],
    ['正确答案为（C）', 'C'],
    ['The answer is (B)', 'B'],
    ['The correct answer is D.', 'D'],
    ['Answer: C', 'C'],
    ['我选B', 'B'],
    // "Because" and "Answer" start with capitals but are words, not choices.
    ['Because of TCP, D', 'D'],
    // An explicit answer phrase wins over an earlier standalone letter.
    ['A 和 B 都不对，答案是 C', 'C'],
    ['<think>A looks right, but B…</think>答案：D', 'D'],
    ['<think>\n让我想想 A 还是 B\n</think>\n\nC', 'C'],
  ])('%j → %s', (output, letter) => {
    expect(extractChoice(output)).toBe(letter);
  });

  it.each([
    [''],
    ['我不知道'],
    ['Because this is Eventually obvious'],
    ['<think>A or B? I have run out of tokens'],
    ['E'],
  ])('%j → no answer', (output) => {
    expect(extractChoice(output)).toBeUndefined();
  });

  it('strips closed and unclosed think blocks', () => {
    expect(stripThinking('<think>x</think>y<think>z')).toBe('y');
  });
});
