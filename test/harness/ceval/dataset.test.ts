import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../engine/errors.js';
import { loadCmmluMapping, loadCmmluSplit } from '../../../harness/ceval/cmmlu.js';
import { loadCustomQuestions, parseColumnMapping } from '../../../harness/ceval/custom-set.js';
import { loadCevalSplit, loadSubjectMapping } from '../../../harness/ceval/dataset.js';
import { cevalQuestionSet } from '../../../harness/ceval/question-set.js';
import { BENCHMARKS_DIR, temporaryDirectory, tinyCevalDataDir } from './ceval-data-fixture.js';

function userError(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('C-Eval data (real files)', () => {
  it('reads the 52 subjects with names and categories in OpenCompass order', () => {
    const subjects = loadSubjectMapping(BENCHMARKS_DIR);
    expect(subjects).toHaveLength(52);
    expect(subjects[0]).toEqual({ subject: 'computer_network', englishName: 'Computer Network', chineseName: '计算机网络', category: 'STEM' });
    expect(new Set(subjects.map((s) => s.category))).toEqual(new Set(['STEM', 'Social Science', 'Humanities', 'Other']));
  });

  it('loads the val split: 1346 questions, sizes as published', () => {
    const subjects = loadSubjectMapping(BENCHMARKS_DIR);
    const sizes = Object.fromEntries(subjects.map((s) => [s.subject, loadCevalSplit(BENCHMARKS_DIR, s.subject, 'val').length]));
    expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBe(1346);
    expect(sizes).toMatchObject({ computer_network: 19, advanced_mathematics: 19, middle_school_history: 22, physician: 49 });
    const first = loadCevalSplit(BENCHMARKS_DIR, 'computer_network', 'val')[0];
    expect(first).toMatchObject({ id: '0', subject: 'computer_network', row: 0, answer: 'C', choices: { A: '1', B: '2', C: '3', D: '4' } });
  });

  it('reads dev explanations, and the unlabelled test split', () => {
    const dev = loadCevalSplit(BENCHMARKS_DIR, 'computer_network', 'dev');
    expect(dev).toHaveLength(5);
    expect(dev[0]?.explanation).toContain('资源子网');
    const test = loadCevalSplit(BENCHMARKS_DIR, 'computer_network', 'test');
    expect(test.length).toBeGreaterThan(100);
    expect(test.every((q) => q.answer === undefined)).toBe(true);
  });

  it('reads CMMLU: 67 subjects, its index column and Answer header', () => {
    const mapping = loadCmmluMapping(BENCHMARKS_DIR);
    expect(mapping).toHaveLength(67);
    expect(mapping[0]).toEqual({ subject: 'agronomy', chineseName: '农学', categories: ['Other'] });
    const dev = loadCmmluSplit(BENCHMARKS_DIR, 'agronomy', 'dev');
    expect(dev).toHaveLength(5);
    expect(dev[0]).toMatchObject({ id: '0', question: '肉牛屠宰后，胴体的哪个部位肉质较好', answer: 'C' });
  });

  it('falls back to the built-in official subject table when the folder has no mapping file', () => {
    const dir = temporaryDirectory('gnomon-ceval-nomap-');
    mkdirSync(join(dir, 'ceval', 'formal_ceval'), { recursive: true });
    expect(loadSubjectMapping(dir)).toEqual(loadSubjectMapping(BENCHMARKS_DIR));
  });
});

describe('C-Eval data: bad input is a UserError that names the file and the fix', () => {
  it('missing data folder', () => {
    const error = userError(() => loadSubjectMapping('/nonexistent/data'));
    expect(error.message).toContain('/nonexistent/data');
    expect(error.hint).toContain('--data-dir');
  });

  it('missing subject file', () => {
    const dir = tinyCevalDataDir();
    const error = userError(() => loadCevalSplit(dir, 'operating_system', 'val'));
    expect(error.message).toContain('operating_system_val.csv');
    expect(error.message).toContain('not found');
  });

  it('a CSV with a different header names the file and the expected columns', () => {
    const dir = tinyCevalDataDir();
    const file = join(dir, 'ceval', 'formal_ceval', 'val', 'computer_network_val.csv');
    writeFileSync(file, 'id,question,option_a,B,C,D,answer\n0,q,a,b,c,d,A\n');
    const error = userError(() => loadCevalSplit(dir, 'computer_network', 'val'));
    expect(error.message).toContain(file);
    expect(error.message).toContain('expected columns id,question,A,B,C,D,answer');
  });

  it('an answer that is not A–D names the file, line and row', () => {
    const dir = tinyCevalDataDir();
    const file = join(dir, 'ceval', 'formal_ceval', 'val', 'computer_network_val.csv');
    writeFileSync(file, 'id,question,A,B,C,D,answer\n0,q,a,b,c,d,A\n1,q2,a,b,c,d,E\n');
    const error = userError(() => loadCevalSplit(dir, 'computer_network', 'val'));
    expect(error.message).toBe(`${file}:3: answer "E" of row 1 is not one of A, B, C, D`);
  });

  it('an empty subject (header only)', () => {
    const dir = tinyCevalDataDir();
    const file = join(dir, 'ceval', 'formal_ceval', 'val', 'computer_network_val.csv');
    writeFileSync(file, 'id,question,A,B,C,D,answer\n');
    expect(userError(() => loadCevalSplit(dir, 'computer_network', 'val')).message).toContain('has no questions');
  });

  it('an unknown --subjects name suggests close ones', () => {
    const error = userError(() => cevalQuestionSet(BENCHMARKS_DIR, 'val', ['computer_networks']));
    expect(error.message).toContain('"computer_networks" is not a C-Eval subject');
    expect(error.hint).toContain('computer_network');
  });

  it('CMMLU wrong header', () => {
    const dir = temporaryDirectory('gnomon-cmmlu-');
    cpSync(join(BENCHMARKS_DIR, 'cmmlu', 'subject_mapping.json'), join(dir, 'cmmlu', 'subject_mapping.json'), { recursive: true });
    mkdirSync(join(dir, 'cmmlu', 'dev'), { recursive: true });
    writeFileSync(join(dir, 'cmmlu', 'dev', 'agronomy.csv'), 'id,question,A,B,C,D,answer\n0,q,a,b,c,d,A\n');
    expect(userError(() => loadCmmluSplit(dir, 'agronomy', 'dev')).message).toContain('expected columns ,Question,A,B,C,D,Answer');
  });
});

describe('custom question sets', () => {
  it('reads CSV with default columns, and JSONL', () => {
    const dir = temporaryDirectory('gnomon-custom-');
    const csv = join(dir, 'maths.csv');
    writeFileSync(csv, 'question,A,B,C,D,answer\n2+3=?,4,5,6,7,B\n"10-4=?",5,6,7,8,b\n');
    const questions = loadCustomQuestions(csv, 'maths', parseColumnMapping(undefined));
    expect(questions.map((q) => [q.id, q.question, q.answer])).toEqual([['0', '2+3=?', 'B'], ['1', '10-4=?', 'B']]);
    const jsonl = join(dir, 'maths.jsonl');
    writeFileSync(jsonl, '{"题目":"1+1=?","A":1,"B":2,"C":3,"D":4,"答案":"B"}\n\n{"题目":"2*2=?","A":4,"B":2,"C":3,"D":8,"答案":"A"}\n');
    const fromJsonl = loadCustomQuestions(jsonl, 'maths', parseColumnMapping('question=题目,answer=答案'));
    expect(fromJsonl.map((q) => [q.question, q.choices.A, q.answer])).toEqual([['1+1=?', '1', 'B'], ['2*2=?', '4', 'A']]);
  });

  it('names a missing column and a bad --columns spec', () => {
    const dir = temporaryDirectory('gnomon-custom-');
    const csv = join(dir, 'maths.csv');
    writeFileSync(csv, '题目,A,B,C,D,answer\nq,a,b,c,d,A\n');
    const error = userError(() => loadCustomQuestions(csv, 'maths', parseColumnMapping(undefined)));
    expect(error.message).toContain('column "question" (question) missing');
    expect(error.hint).toContain('--columns question=NAME');
    expect(userError(() => parseColumnMapping('question')).message).toContain('is not field=column');
  });
});
