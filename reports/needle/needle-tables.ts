/** Summary tables of a needle run: the length × depth grid, per-length and per-depth means (txt, csv, md, json). */
import { formatTokenCount } from '../../harness/needle/grid.js';
import type { LineMean, NeedleSummary } from './needle-summary.js';

function cellText(mean: number | null, exceeded: number, errors: number): string {
  if (mean !== null) return mean.toFixed(2);
  if (exceeded > 0) return 'ctx';
  return errors > 0 ? 'err' : '-';
}

/** Rows of the grid: header (depth \ length), then one row per depth. `forCsv`: missing scores are empty cells, not ctx/err/-. */
export function gridRows(summary: NeedleSummary, forCsv = false): string[][] {
  const text = forCsv ? (mean: number | null): string => (mean === null ? '' : mean.toFixed(2)) : cellText;
  const header = ['depth % \\ length', ...summary.lengths.map(formatTokenCount)];
  const rows = summary.cells.map((row, index) => [String(summary.depths[index] ?? ''), ...row.map((cell) => text(cell.mean, cell.exceeded, cell.errors))]);
  const means = ['mean', ...summary.byLength.map((line) => text(line.mean, line.exceeded, line.errors))];
  return [header, ...rows, means];
}

function cellStatus(cell: { readonly mean: number | null; readonly exceeded: number; readonly errors: number }): string {
  if (cell.mean !== null) return cell.exceeded + cell.errors > 0 ? 'partial' : 'scored';
  if (cell.exceeded > 0) return 'exceeds_context';
  return cell.errors > 0 ? 'error' : 'not_run';
}

/** cells.csv: one row per grid cell, numbers as numbers (empty when missing), the reason in `status`. */
export function cellRows(summary: NeedleSummary): string[][] {
  const rows = summary.cells.flat().map((cell) => [String(cell.length), String(cell.depth), cell.mean === null ? '' : cell.mean.toFixed(4), String(cell.scored), String(cell.exceeded), String(cell.errors), String(cell.flagged), cellStatus(cell)]);
  return [['length', 'depth', 'mean_score', 'scored', 'exceeded_context', 'errors', 'flagged', 'status'], ...rows];
}

export function lineRows(lines: readonly LineMean[], label: string, format: (at: number) => string, missing = '-'): string[][] {
  return [[label, 'mean score', 'scored', 'exceeded context', 'errors', 'flagged (left out)'], ...lines.map((line) => [format(line.at), line.mean === null ? missing : line.mean.toFixed(3), String(line.scored), String(line.exceeded), String(line.errors), String(line.flagged)])];
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  return `${rows.map((row) => row.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\n')}\n`;
}

export function toMarkdown(rows: readonly (readonly string[])[]): string {
  const [header = [], ...body] = rows;
  return `${[`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((row) => `| ${row.join(' | ')} |`)].join('\n')}\n`;
}

export function toText(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return `${rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')).join('\n')}\n`;
}

/** One text block for the terminal and summary.txt. */
export function summaryText(summary: NeedleSummary): string {
  const effective = summary.effectiveLength === null ? `none reaches ${summary.threshold}` : formatTokenCount(summary.effectiveLength);
  return [
    toText(gridRows(summary)),
    `overall mean ${summary.overall === null ? '-' : summary.overall.toFixed(3)} · effective length (mean ≥ ${summary.threshold}): ${effective}`,
    ...(summary.needlebench ? [`NeedleBench ${summary.needlebench.version} ${summary.needlebench.task} score (its 0–100 scale, mean over scored cells): ${summary.needlebench.mean === null ? '-' : summary.needlebench.mean.toFixed(2)}`] : []),
    `cells: ${summary.counts.ok} ok (${summary.counts.flagged} flagged: a needle more than 1 point off its depth, left out of the means), ${summary.counts.exceeds_context} exceed the context (ctx, not run), ${summary.counts.error} errors (err)`,
    '',
    'per depth:',
    toText(lineRows(summary.byDepth, 'depth %', (at) => String(at))),
  ].join('\n');
}

export function summaryJson(summary: NeedleSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}
