/**
 * C-Eval in OpenCompass's data layout: `DIR/ceval/formal_ceval/{dev,val,test}/{subject}_{split}.csv`
 * (columns id,question,A,B,C,D,answer[,explanation]; the test split has no answer column) and the
 * subject table (English name, Chinese name, category). Every problem names the file and line.
 */
import { existsSync, statSync } from 'node:fs';
import { readUtf8File } from '../text-file.js';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { CEVAL_SUBJECT_TABLE } from './ceval-subject-table.js';
import { checkHeader, readCsvTable, type CsvTable } from './csv-table.js';

export type ChoiceLetter = 'A' | 'B' | 'C' | 'D';
export const CHOICE_LETTERS: readonly ChoiceLetter[] = ['A', 'B', 'C', 'D'];

export interface ChoiceQuestion {
  /** The file's own id column (C-Eval `id`, CMMLU's index column), or the row number when absent. */
  readonly id: string;
  readonly subject: string;
  /** 0-based data row in its file (header excluded). */
  readonly row: number;
  readonly question: string;
  readonly choices: Readonly<Record<ChoiceLetter, string>>;
  /** Undefined for unlabelled splits (C-Eval test). */
  readonly answer: ChoiceLetter | undefined;
  readonly explanation?: string;
  /**
   * Why the row cannot be scored, when it cannot: an empty question or empty options (a model would
   * be scored on letters that stand for nothing). Such rows are skipped and counted, never scored.
   */
  readonly problem?: string;
}

/** What is missing from a row's question and options, or undefined when it is complete. */
export function rowProblem(question: string, choices: Readonly<Record<ChoiceLetter, string>>): string | undefined {
  const empty = CHOICE_LETTERS.filter((letter) => choices[letter].trim() === '');
  const parts = [
    ...(question.trim() === '' ? ['the question is empty'] : []),
    ...(empty.length === 4 ? ['all four options are empty'] : empty.length > 0 ? [`option${empty.length > 1 ? 's' : ''} ${empty.join(', ')} ${empty.length > 1 ? 'are' : 'is'} empty`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

export interface SubjectInfo {
  readonly subject: string;
  readonly englishName: string;
  readonly chineseName: string;
  /** STEM, Social Science, Humanities or Other. */
  readonly category: string;
}

export type CevalSplit = 'dev' | 'val' | 'test';

export function isChoiceLetter(value: string): value is ChoiceLetter {
  return value === 'A' || value === 'B' || value === 'C' || value === 'D';
}

export function cevalDirectory(dataDir: string): string {
  return join(dataDir, 'ceval', 'formal_ceval');
}

/** Where the subject table was read from: a file in the data folder, or the built-in official copy. */
export function subjectMappingSource(dataDir: string): string {
  for (const file of [join(dataDir, 'ceval', 'subject_mapping.json'), join(cevalDirectory(dataDir), 'subject_mapping.json')]) {
    if (existsSync(file)) return file;
  }
  return 'built-in (official hkust-nlp/ceval table)';
}

function requireDataDir(dataDir: string): void {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new UserError(`data folder ${dataDir} not found`, 'pass --data-dir DIR where DIR holds ceval/formal_ceval/{dev,val,test}/ (OpenCompass layout)');
  }
}

/**
 * The 52 subjects in OpenCompass's order, from `DIR/ceval/subject_mapping.json` (or
 * `DIR/ceval/formal_ceval/subject_mapping.json`) when present, else the built-in official table.
 */
export function loadSubjectMapping(dataDir: string): SubjectInfo[] {
  requireDataDir(dataDir);
  const source = subjectMappingSource(dataDir);
  let table: unknown = CEVAL_SUBJECT_TABLE;
  if (existsSync(source)) {
    const text = readUtf8File(source, 'subject table');
    try {
      table = JSON.parse(text) as unknown;
    } catch (error) {
      throw new UserError(`${source}: not valid JSON (${(error as Error).message})`, 'restore the official subject_mapping.json or delete it to use the built-in table');
    }
  }
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new UserError(`${source}: expected an object subject -> [English name, Chinese name, category]`, 'restore the official subject_mapping.json');
  }
  return Object.entries(table as Record<string, unknown>).map(([subject, value]) => {
    if (!Array.isArray(value) || value.length < 3 || !value.every((v) => typeof v === 'string')) {
      throw new UserError(`${source}: subject "${subject}" should map to [English name, Chinese name, category]`, 'restore the official subject_mapping.json');
    }
    const [englishName, chineseName, category] = value as [string, string, string];
    return { subject, englishName, chineseName, category };
  });
}

export function cevalSplitFile(dataDir: string, subject: string, split: CevalSplit): string {
  return join(cevalDirectory(dataDir), split, `${subject}_${split}.csv`);
}

/** Turns CSV rows (columns already checked) into questions; bad answers name file:line. */
export function rowsToQuestions(table: CsvTable, subject: string, columns: {
  readonly id?: number; readonly question: number; readonly choices: readonly [number, number, number, number];
  readonly answer?: number; readonly explanation?: number;
}, answerRequired: boolean): ChoiceQuestion[] {
  if (table.rows.length === 0) {
    throw new UserError(`${table.file}: subject "${subject}" has no questions (header only)`, 'restore the file from the dataset release, or leave the subject out with --subjects');
  }
  return table.rows.map((row, index) => {
    const cell = (column: number | undefined): string | undefined => (column === undefined ? undefined : row.cells[column]);
    const raw = (cell(columns.answer) ?? '').trim();
    let answer: ChoiceLetter | undefined;
    if (raw !== '' || answerRequired) {
      const letter = raw.toUpperCase();
      if (!isChoiceLetter(letter)) {
        throw new UserError(
          `${table.file}:${row.line}: answer "${raw}" of row ${index} is not one of A, B, C, D`,
          'fix the answer cell (a single letter A–D), or remove the row',
        );
      }
      answer = letter;
    }
    const [a, b, c, d] = columns.choices;
    const explanation = cell(columns.explanation);
    const question = cell(columns.question) ?? '';
    const choices = { A: cell(a) ?? '', B: cell(b) ?? '', C: cell(c) ?? '', D: cell(d) ?? '' };
    const problem = rowProblem(question, choices);
    return {
      id: (cell(columns.id) ?? '').trim() || String(index),
      subject,
      row: index,
      question,
      choices,
      answer,
      ...(explanation !== undefined && explanation !== '' ? { explanation } : {}),
      ...(problem !== undefined ? { problem: `${table.file}:${row.line}: ${problem}` } : {}),
    };
  });
}

/** One subject's split; dev and val must be labelled A–D, test has no labels. */
export function loadCevalSplit(dataDir: string, subject: string, split: CevalSplit): ChoiceQuestion[] {
  requireDataDir(dataDir);
  const file = cevalSplitFile(dataDir, subject, split);
  const table = readCsvTable(file, `the C-Eval ${split} split needs ${subject}_${split}.csv in ${join(cevalDirectory(dataDir), split)}; check --data-dir and the subject name`);
  const labelled = split !== 'test';
  checkHeader(table, labelled ? ['id', 'question', 'A', 'B', 'C', 'D', 'answer'] : ['id', 'question', 'A', 'B', 'C', 'D'], labelled ? ['explanation'] : ['answer', 'explanation']);
  const hasAnswer = table.header.length > 6;
  return rowsToQuestions(table, subject, {
    id: 0, question: 1, choices: [2, 3, 4, 5],
    ...(hasAnswer ? { answer: 6 } : {}),
    ...(table.header.length > 7 ? { explanation: 7 } : {}),
  }, labelled);
}
