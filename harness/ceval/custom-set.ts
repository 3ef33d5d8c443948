/**
 * A user's own multiple-choice questions (CSV with a header row, or JSONL with one object per line),
 * e.g. 100 primary-school maths questions with columns question,A,B,C,D,answer. `--columns` maps
 * the fields to other column names: `question=题目,answer=答案`.
 */
import { existsSync } from 'node:fs';
import { readUtf8File } from '../text-file.js';
import { UserError } from '../../engine/language-model.js';
import { readCsvTable } from './csv-table.js';
import { rowsToQuestions, type ChoiceQuestion } from './dataset.js';

export const CUSTOM_FIELDS = ['id', 'question', 'A', 'B', 'C', 'D', 'answer'] as const;
export type CustomField = (typeof CUSTOM_FIELDS)[number];
export type ColumnMapping = Readonly<Record<CustomField, string>>;

const OPTIONAL_FIELDS: ReadonlySet<CustomField> = new Set(['id', 'answer']);

/** Parses `field=column,...` over the defaults (each field's own name). */
export function parseColumnMapping(spec: string | undefined): ColumnMapping {
  const mapping: Record<CustomField, string> = { id: 'id', question: 'question', A: 'A', B: 'B', C: 'C', D: 'D', answer: 'answer' };
  if (!spec) return mapping;
  for (const pair of spec.split(',')) {
    const [field, column, ...rest] = pair.split('=');
    if (field === undefined || column === undefined || rest.length > 0 || !(CUSTOM_FIELDS as readonly string[]).includes(field.trim())) {
      throw new UserError(`--columns "${spec}": "${pair}" is not field=column`, `fields are ${CUSTOM_FIELDS.join(', ')}; e.g. --columns question=题目,answer=答案`);
    }
    mapping[field.trim() as CustomField] = column.trim();
  }
  return mapping;
}

/** Loads every question of a custom file as one subject named `subject`. */
export function loadCustomQuestions(file: string, subject: string, mapping: ColumnMapping): ChoiceQuestion[] {
  if (!existsSync(file)) throw new UserError(`${file}: file not found`, 'pass --custom FILE with a .csv or .jsonl file of questions');
  const header: string[] = [];
  let rows: { cells: string[]; line: number }[];
  if (/\.jsonl?$/i.test(file)) {
    const lines = readUtf8File(file, 'question file').split('\n');
    for (const field of CUSTOM_FIELDS) header.push(mapping[field]);
    rows = [];
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      let object: unknown;
      try {
        object = JSON.parse(text) as unknown;
      } catch (error) {
        throw new UserError(`${file}:${index + 1}: not a JSON object (${(error as Error).message})`, 'each line must be one JSON object with question, A, B, C, D, answer');
      }
      if (typeof object !== 'object' || object === null || Array.isArray(object)) {
        throw new UserError(`${file}:${index + 1}: not a JSON object`, 'each line must be one JSON object with question, A, B, C, D, answer');
      }
      const record = object as Record<string, unknown>;
      for (const field of CUSTOM_FIELDS) {
        if (!OPTIONAL_FIELDS.has(field) && !(mapping[field] in record)) {
          throw new UserError(`${file}:${index + 1}: key "${mapping[field]}" missing`, `every line needs ${CUSTOM_FIELDS.filter((f) => !OPTIONAL_FIELDS.has(f)).map((f) => mapping[f]).join(', ')}; map other names with --columns`);
        }
      }
      rows.push({ cells: CUSTOM_FIELDS.map((field) => (record[mapping[field]] === undefined ? '' : String(record[mapping[field]]))), line: index + 1 });
    });
    return rowsToQuestions({ file, header, rows }, subject, { id: 0, question: 1, choices: [2, 3, 4, 5], answer: 6 }, true);
  }
  const table = readCsvTable(file, 'pass --custom FILE with a .csv or .jsonl file of questions');
  const columnOf = (field: CustomField): number | undefined => {
    const index = table.header.indexOf(mapping[field]);
    if (index >= 0) return index;
    if (OPTIONAL_FIELDS.has(field)) return undefined;
    throw new UserError(
      `${file}: header is "${table.header.join(',')}", column "${mapping[field]}" (${field}) missing`,
      `the file needs columns ${CUSTOM_FIELDS.filter((f) => !OPTIONAL_FIELDS.has(f)).map((f) => mapping[f]).join(',')}[,${mapping.answer}]; map other names with --columns ${field}=NAME`,
    );
  };
  const [question, a, b, c, d] = [columnOf('question'), columnOf('A'), columnOf('B'), columnOf('C'), columnOf('D')] as [number, number, number, number, number];
  const id = columnOf('id');
  const answer = columnOf('answer');
  if (answer === undefined) {
    throw new UserError(`${file}: no "${mapping.answer}" column`, 'custom question sets need an answer column (A–D) to be scored; map it with --columns answer=NAME');
  }
  return rowsToQuestions(table, subject, { ...(id !== undefined ? { id } : {}), question, choices: [a, b, c, d], answer }, true);
}
