/** A comparison as an aligned text table (terminal and compare.txt) and as Markdown. */
import { displayWidth } from '../ceval/tables.js';
import type { Comparison, DifferenceCell } from './run-comparison.js';

const number = (value: number | null | undefined): string => (value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(2));
const signed = (value: number | null | undefined): string => (value === null || value === undefined || Number.isNaN(value) ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(2)}`);

/** p-values: four significant digits, small ones in exponent form. */
export function formatP(p: number): string {
  return p >= 0.0001 ? p.toPrecision(4).replace(/\.?0+$/, '') : p.toExponential(2);
}

function differenceCells(cell: DifferenceCell | undefined): string[] {
  if (!cell) return ['-', '-', '-', '-'];
  const p = cell.mcnemar ? `${formatP(cell.mcnemar.p)} (${cell.mcnemar.b}/${cell.mcnemar.c})` : '-';
  const ci = cell.bootstrap && !Number.isNaN(cell.bootstrap.low) ? `${signed(cell.bootstrap.low)}…${signed(cell.bootstrap.high)}` : '-';
  return [signed(cell.delta), p, ci, String(cell.paired)];
}

export function comparisonGrid(comparison: Comparison): string[][] {
  const others = comparison.runs.slice(1);
  const head = ['', ...comparison.runs.map((r) => r.key), ...others.flatMap((r) => [`Δ ${r.key}−A`, `p ${r.key} (b/c)`, `95% CI Δ ${r.key}`, `paired ${r.key}`])];
  const body = comparison.rows.map((row) => [
    row.name, ...row.values.map(number), ...others.flatMap((_, index) => differenceCells(row.differences[index])),
  ]);
  return [head, ...body];
}

function legend(comparison: Comparison): string[] {
  return comparison.runs.map((r) => `${r.key} = ${r.label} (${r.run.dir})${r.run.status === 'finished' ? '' : ` [${r.run.status}]`}`);
}

function differsLines(comparison: Comparison): string[] {
  if (comparison.differs.length === 0) return ['what differs: nothing in run.json besides dates and command lines'];
  return ['what differs (run.json):', ...comparison.differs.map((d) => `  ${d.key}: ${d.values.map((v, i) => `${comparison.runs[i]?.key ?? '?'}=${v}`).join('  ')}`)];
}

export function comparisonText(comparison: Comparison): string {
  const rows = comparisonGrid(comparison);
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column] ?? '')))) ?? [];
  const line = (row: readonly string[]): string => row.map((cell, column) => cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - displayWidth(cell)))).join('  ').trimEnd();
  const [head = [], ...body] = rows;
  return [
    ...legend(comparison),
    '',
    line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line),
    '',
    `values: ${comparison.unit}; Δ = run − A; test: ${comparison.test}; b = right in A only, c = right in the other only; paired = items both runs scored.`,
    ...comparison.notes,
    '',
    ...differsLines(comparison),
  ].join('\n') + '\n';
}

export function comparisonMarkdown(comparison: Comparison): string {
  const [head = [], ...body] = comparisonGrid(comparison);
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  return [
    ...legend(comparison).map((l) => `- ${escape(l)}`),
    '',
    `| ${head.map(escape).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...body.map((row) => `| ${row.map(escape).join(' | ')} |`),
    '',
    `Values: ${comparison.unit}; Δ = run − A. Test: ${comparison.test}.`,
    ...comparison.notes,
    '',
    ...differsLines(comparison).map((l) => (l.startsWith('  ') ? `- ${escape(l.trim())}` : l)),
  ].join('\n') + '\n';
}
