/** The suite table as text (aligned like OpenCompass's printout), CSV and Markdown, notes in a last column. */
import { displayWidth } from '../ceval/tables.js';
import type { SuiteRow, SuiteTable } from './suite-table.js';

function notes(table: SuiteTable, row: SuiteRow): string {
  return row.cells
    .map((cell, index) => (cell.note ? `${table.models[index] ?? '?'}: ${cell.note}` : null))
    .filter((note): note is string => note !== null)
    .join('; ');
}

function grid(table: SuiteTable): string[][] {
  const head = ['dataset', 'version', 'metric', 'mode', ...table.models, 'notes'];
  return [head, ...table.rows.map((row) => [row.dataset, row.version, row.metric, row.mode, ...row.cells.map((cell) => cell.text), notes(table, row)])];
}

const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - displayWidth(text)));

export function suiteTableText(table: SuiteTable): string {
  const rows = grid(table);
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column] ?? '')))) ?? [];
  const line = (row: readonly string[]): string => row.map((cell, column) => pad(cell, widths[column] ?? 0)).join('  ').trimEnd();
  const [head = [], ...body] = rows;
  return `${[line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')}\n`;
}

export function suiteTableCsv(table: SuiteTable): string {
  const cell = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return `${grid(table).map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

export function suiteTableMarkdown(table: SuiteTable): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const [head = [], ...body] = grid(table);
  return `${[
    `| ${head.map(escape).join(' | ')} |`,
    `|${head.map((_, i) => (i >= 4 && i < head.length - 1 ? '---:' : '---')).join('|')}|`,
    ...body.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n')}\n`;
}
