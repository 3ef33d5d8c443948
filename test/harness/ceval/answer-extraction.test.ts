import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractChoice, firstCapital, readAnswer, stripThinking } from '../../../harness/ceval/answer-extraction.js';

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

describe('both extractors on realistic replies (gnomon vs OpenCompass first_capital_postprocess)', () => {
  // [reply, gnomon's prediction, first-capital's prediction]. first_capital returns the first
  // character for which Python's str.isupper() holds, whatever it is; '' when none.
  it.each([
    ['B', 'B', 'B'],
    [' C. 应用层', 'C', 'C'],
    ['答案是 B', 'B', 'B'],
    ['答案：D。', 'D', 'D'],
    ['Answer: C', 'C', 'A'],
    ['The answer is (B)', 'B', 'T'],
    ['根据TCP/IP协议，答案是C', 'C', 'T'],
    ['选项B正确', 'B', 'B'],
    ['我选B', 'B', 'B'],
    ['Because of TCP, D', 'D', 'B'],
    ['A 和 B 都不对，答案是 C', 'C', 'A'],
    ['<think>A looks right, but B…</think>答案：D', 'D', 'A'],
    ['答案是 b', '', ''],
    ['我不知道', '', ''],
    ['', '', ''],
    ['E', '', 'E'],
    ['ｃ是对的，Ｄ不对', '', 'Ｄ'],
    ['ⅡA', 'A', 'Ⅱ'],
    ['ǅB', 'B', 'B'],
    ['Ωmega A', 'A', 'Ω'],
  ])('%j → gnomon %j, first-capital %j', (reply, gnomon, capital) => {
    expect(readAnswer(reply, 'gnomon')).toEqual({ prediction: gnomon, extracted: gnomon === '' ? null : gnomon });
    const read = readAnswer(reply, 'first-capital');
    expect(read.prediction).toBe(capital);
    expect(firstCapital(reply)).toBe(capital);
    // A capital that is not an option is OpenCompass's (wrong) prediction and no letter for gnomon's tables.
    expect(read.extracted).toBe(['A', 'B', 'C', 'D'].includes(capital) ? capital : null);
  });
});

describe('first-capital equals OpenCompass\'s own first_capital_postprocess', () => {
  // test/data/opencompass/first-capital-0.2.4.json: replies run through OpenCompass's function
  // (tag 0.2.4; main gives the same) by test/data/opencompass/render/first_capital.py.
  const cases = JSON.parse(readFileSync(join(import.meta.dirname, '../../data/opencompass/first-capital-0.2.4.json'), 'utf8')) as { reply: string; first_capital: string }[];
  it(`on ${cases.length} replies`, () => {
    expect(cases.length).toBeGreaterThan(20);
    for (const { reply, first_capital: expected } of cases) expect(firstCapital(reply), JSON.stringify(reply)).toBe(expected);
  });
});
