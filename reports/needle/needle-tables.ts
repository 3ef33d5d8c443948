/** Summary tables of a needle run: the length × depth grid, per-length and per-depth means (txt, csv, md, json). */
import { formatTokenCount } from '../../harness/needle/grid.js';
import type { LineMean, NeedleSummary } from './needle-summary.js';

function cellText(mean: number | null, exceeded: number, errors: number): string {
  if (mean !== null) return mean.toFixed(2);
  if (exceeded > 0) return 'ctx';
  return errors > 0 ? 'err' : '-';
}

/** Rows of the grid: header (depth \ length), then one row per depth. */
export function gridRows(summary: NeedleSummary): string[][] {
  const header = ['depth % \\ length', ...summary.lengths.map(formatTokenCount)];
  const rows = summary.cells.map((row, index) => [String(summary.depths[index] ?? ''), ...row.map((cell) => cellText(cell.mean, cell.exceeded, cell.errors))]);
  const means = ['mean', ...summary.byLength.map((line) => cellText(line.mean, line.exceeded, line.errors))];
  return [header, ...rows, means];
}

export function lineRows(lines: readonly LineMean[], label: string, format: (at: number) => string): string[][] {
  return [[label, 'mean score', 'scored', 'exceeded context', 'errors', 'flagged (left out)'], ...lines.map((line) => [format(line.at), line.mean === null ? '-' : line.mean.toFixed(3), String(line.scored), String(line.exceeded), String(line.errors), String(line.flagged)])];
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
