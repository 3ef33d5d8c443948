/**
 * Reads a CSV file into header + rows with the line each row ends on, so that every later complaint
 * about a row can name `file:line`. Parse failures (unclosed quote, ragged rows) become UserErrors.
 */
import { existsSync } from 'node:fs';
import { readUtf8File } from '../text-file.js';
import { parse } from 'csv-parse/sync';
import { UserError } from '../../engine/language-model.js';

export interface CsvRow {
  readonly cells: readonly string[];
  /** 1-based line in the file where the row ends (a quoted field may span lines). */
  readonly line: number;
}

export interface CsvTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
}

interface ParsedRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

export function readCsvTable(file: string, missingHint: string): CsvTable {
  if (!existsSync(file)) throw new UserError(`${file}: file not found`, missingHint);
  const text = readUtf8File(file, 'question file');
  let records: ParsedRecord[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true }) as unknown as ParsedRecord[];
  } catch (error) {
    throw new UserError(`${file}: not a readable CSV file (${(error as Error).message})`, 'check the quoting of the line it names; every row needs the same number of columns as the header');
  }
  const [head, ...rest] = records;
  if (!head) throw new UserError(`${file}: the file is empty`, 'a question file needs a header row and at least one question');
  return { file, header: head.record.map((cell) => cell.trim()), rows: rest.map((r) => ({ cells: r.record, line: r.info.lines })) };
}

/**
 * Checks that the header starts with `required` (in order) and returns how many of `optional`
 * follow; anything else names the file and the expected columns.
 */
export function checkHeader(table: CsvTable, required: readonly string[], optional: readonly string[] = []): void {
  const expected = [...required, ...optional];
  const header = table.header;
  const requiredOk = required.every((name, index) => header[index] === name);
  const extra = header.slice(required.length);
  const optionalOk = extra.length <= optional.length && extra.every((name, index) => optional[index] === name);
  if (!requiredOk || !optionalOk) {
    const shown = optional.length > 0 ? `${required.join(',')}[,${optional.join(',')}]` : required.join(',');
    throw new UserError(
      `${table.file}: header is "${header.join(',')}", expected columns ${shown}`,
      `fix the first line of the file (expected ${expected.join(',')}), or pass --custom with --columns to map other column names`,
    );
  }
}
