import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAnswerFile, resolveAnswerSource } from '../../../harness/subjective/answers.js';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

describe('answer files', () => {
  it('reads FastChat model_answer files (the published MT-Bench answers) by file name', () => {
    const answers = readAnswerFile(resolveAnswerSource('gpt-3.5-turbo', BENCHMARKS_DIR));
    expect(answers.model).toBe('gpt-3.5-turbo');
    expect(answers.turns.size).toBe(80);
    expect(answers.turns.get('81')).toHaveLength(2);
  });

  it('reads AlignBench answer lines and names the file and line of a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-subjective-answers-'));
    const good = join(dir, 'my-model.jsonl');
    writeFileSync(good, '{"question_id": 3, "answer": "答案"}\n\n{"question_id": "4", "choices": [{"turns": ["a", "b"]}]}\n');
    const answers = readAnswerFile(good);
    expect([answers.model, answers.turns.get('3'), answers.turns.get('4')]).toEqual(['my-model', ['答案'], ['a', 'b']]);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"question_id": 1, "answer": "x"}\n{"question_id": 2, "text": "no answer field"}\n');
    expect(() => readAnswerFile(bad)).toThrow(`${bad}:2: question 2 has neither choices[0].turns nor answer`);
    writeFileSync(bad, '{"question_id": 1, "answer": "x"}\n{not json\n');
    expect(() => readAnswerFile(bad)).toThrow(new RegExp(`^${bad.replace(/[.]/g, '\\.')}:2: not a JSON line`));
    writeFileSync(bad, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xd6, 0xd0, 0x22, 0x7d, 0x0a]));
    expect(() => readAnswerFile(bad)).toThrow(/not UTF-8/);
    expect(() => resolveAnswerSource('no-such-model', BENCHMARKS_DIR)).toThrow(/neither an answers file nor a published model/);
  });
});
