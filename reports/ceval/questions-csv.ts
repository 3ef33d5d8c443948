/**
 * questions.csv: one row per question of a C-Eval run (the latest record of each), for pandas or a
 * spreadsheet. Numbers are numbers or empty (never '-'); why a number is missing is in `status` and
 * `skip_reason`.
 */
import type { CevalRecord } from '../../harness/ceval/record.js';
import { CHOICE_LETTERS } from '../../harness/ceval/dataset.js';

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function numberCell(value: number | undefined | null): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '' : String(value);
}

export function questionsCsv(records: readonly CevalRecord[]): string {
  const head = ['subject', 'id', 'row', 'target', 'extracted', 'correct', ...CHOICE_LETTERS.map((letter) => `score_${letter}`), 'prompt_tokens', 'output', 'status', 'skip_reason'];
  const rows = records.map((r) => [
    r.subject, r.id, String(r.row), r.target ?? '', r.extracted ?? '', r.correct === null ? '' : r.correct ? '1' : '0',
    ...CHOICE_LETTERS.map((letter) => numberCell(r.choices?.[letter])), numberCell(r.prompt_tokens), r.output ?? '', r.status, r.skip_reason ?? '',
  ]);
  return `${[head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
