/**
 * CMMLU in OpenCompass's layout: `DIR/cmmlu/{dev,test}/{subject}.csv` with the columns
 * `(index),Question,A,B,C,D,Answer` (the first column is pandas' unnamed index) and
 * `DIR/cmmlu/subject_mapping.json`: subject -> {zh, subcategory[], category[]}.
 */
import { existsSync } from 'node:fs';
import { readUtf8File } from '../text-file.js';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { checkHeader, readCsvTable } from './csv-table.js';
import { rowsToQuestions, type ChoiceQuestion } from './dataset.js';

export interface CmmluSubject {
  readonly subject: string;
  readonly chineseName: string;
  /** CMMLU categories: STEM, Humanities, Social Science, Other, China specific (a subject may have two). */
  readonly categories: readonly string[];
}

export function cmmluMappingFile(dataDir: string): string {
  return join(dataDir, 'cmmlu', 'subject_mapping.json');
}

export function loadCmmluMapping(dataDir: string): CmmluSubject[] {
  const file = cmmluMappingFile(dataDir);
  if (!existsSync(file)) {
    throw new UserError(`${file}: not found`, 'pass --data-dir DIR where DIR/cmmlu holds subject_mapping.json and dev/, test/ (OpenCompass layout)');
  }
  let json: unknown;
  const text = readUtf8File(file, 'subject table');
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, 'restore subject_mapping.json');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`${file}: expected an object subject -> {zh, category}`, 'restore subject_mapping.json');
  }
  return Object.entries(json as Record<string, unknown>).map(([subject, value]) => {
    const entry = value as { zh?: unknown; category?: unknown };
    if (typeof entry !== 'object' || entry === null || typeof entry.zh !== 'string' || !Array.isArray(entry.category)) {
      throw new UserError(`${file}: subject "${subject}" needs "zh" (Chinese name) and "category" (list)`, 'restore subject_mapping.json');
    }
    return { subject, chineseName: entry.zh, categories: entry.category.map(String) };
  });
}

export function cmmluSplitFile(dataDir: string, subject: string, split: 'dev' | 'test'): string {
  return join(dataDir, 'cmmlu', split, `${subject}.csv`);
}

/** One CMMLU subject's split (both are labelled). */
export function loadCmmluSplit(dataDir: string, subject: string, split: 'dev' | 'test'): ChoiceQuestion[] {
  const file = cmmluSplitFile(dataDir, subject, split);
  const table = readCsvTable(file, `CMMLU needs ${subject}.csv in ${join(dataDir, 'cmmlu', split)}; check --data-dir and the subject name`);
  checkHeader(table, ['', 'Question', 'A', 'B', 'C', 'D', 'Answer']);
  return rowsToQuestions(table, subject, { id: 0, question: 1, choices: [2, 3, 4, 5], answer: 6 }, true);
}
