/**
 * OpenCompass's summary table for a suite: one row per dataset (dataset | version | metric | mode)
 * and one column per model, built from each (model, task) run folder's records. As OpenCompass's
 * summarizer does, a group whose subjects are not all present shows no number ("-", with
 * "partial k/n" in the notes), a missing or unfinished run shows "-" and says why. Never a bare
 * number that hides a gap. Checked against OpenCompass's DefaultSummarizer (opencompass/summarizers/
 * default.py at 0946c4e): header dataset | version | metric | mode | <model abbrs>, values '{:.02f}',
 * '-' where a model has no result, a group with any missing subset gets no result at all, group rows
 * have version '-'.
 */
import { createHash } from 'node:crypto';
import { formatTokenCount } from '../../harness/needle/grid.js';
import { summaryRows } from '../ceval/tables.js';
import type { CevalRun, NeedleRun, RunResult } from './run-results.js';

export interface SuiteCell {
  /** The number the cell stands for (percent, or tokens for effective length); null when none. */
  readonly value: number | null;
  readonly text: string;
  /** Why the cell has no number, or what qualifies it. */
  readonly note: string | null;
}

export interface SuiteRow {
  /** The task label the row comes from (`ceval-ppl`, `needle-single`). */
  readonly task: string;
  readonly dataset: string;
  readonly version: string;
  readonly metric: string;
  readonly mode: string;
  readonly cells: readonly SuiteCell[];
}

export interface SuiteTable {
  readonly models: readonly string[];
  readonly rows: readonly SuiteRow[];
}

/** One model's run of one task, or why there is none. */
export type SuiteRunSlot = { readonly run: RunResult } | { readonly missing: string };

export interface SuiteTaskColumn {
  readonly label: string;
  /** One slot per model, in model order. */
  readonly runs: readonly SuiteRunSlot[];
}

interface ModelRow {
  readonly dataset: string;
  readonly version: string;
  readonly metric: string;
  readonly mode: string;
  readonly cell: SuiteCell;
}

const percent = (value: number): SuiteCell => ({ value, text: value.toFixed(2), note: null });

function cevalRows(run: CevalRun): ModelRow[] {
  return summaryRows(run.summary).map((row) => {
    // A group row's subjects read "n/n", or "partial k/n" when some of its subjects did not run.
    const [present, total] = (row.subjects ?? '').replace(/^partial /, '').split('/').map(Number);
    let cell: SuiteCell;
    if (row.subjects !== null && present !== undefined && total !== undefined && present < total) cell = { value: null, text: '-', note: `partial ${present}/${total}` };
    else if (Number.isNaN(row.value)) cell = { value: null, text: '-', note: row.metric === 'predictions' ? 'no answers in this split' : row.skipped > 0 ? `nothing scored: ${row.skipped} skipped (longer than the context)` : 'nothing scored' };
    else cell = percent(row.value);
    if (row.skipped > 0 && cell.value !== null) cell = { ...cell, note: `${row.skipped} skipped` };
    // Group rows keep OpenCompass's '-' version: a summary of datasets has no prompt of its own.
    return { dataset: row.dataset, version: row.version, metric: row.metric, mode: row.mode, cell };
  });
}

/** Short hash of a needle run's settings: OpenCompass's version column is a hash of the dataset config. */
export function needleVersion(run: NeedleRun): string {
  return createHash('sha256').update(JSON.stringify(run.needleInfo.settings)).digest('hex').slice(0, 6);
}

function needleRows(run: NeedleRun, label: string): ModelRow[] {
  const version = needleVersion(run);
  const { summary } = run;
  const rows: ModelRow[] = summary.byLength.map((line) => ({
    dataset: `${label}-${formatTokenCount(line.at)}`, version, metric: 'score', mode: 'gen',
    cell: line.mean !== null ? percent(100 * line.mean) : { value: null, text: '-', note: line.exceeded > 0 ? 'exceeds the model context' : line.errors > 0 ? 'errors' : 'not run' },
  }));
  const unscored = summary.counts.exceeds_context + summary.counts.error;
  rows.push({
    dataset: label, version, metric: 'naive_average', mode: 'gen',
    cell: summary.overall === null ? { value: null, text: '-', note: 'nothing scored' } : { ...percent(100 * summary.overall), note: unscored > 0 ? `over scored cells; ${unscored} not scored` : null },
  });
  rows.push({
    dataset: label, version, metric: `effective_length@${summary.threshold}`, mode: 'gen',
    cell: summary.effectiveLength === null ? { value: null, text: '-', note: `no length scores ≥ ${summary.threshold}` } : { value: summary.effectiveLength, text: formatTokenCount(summary.effectiveLength), note: null },
  });
  return rows;
}

function rowsOf(run: RunResult, label: string): ModelRow[] {
  const rows = run.kind === 'ceval' ? cevalRows(run) : run.kind === 'needle' ? needleRows(run, label) : [];
  if (run.status === 'finished') return rows;
  const note = `run ${run.status}: ${run.done}/${run.planned ?? '?'} done`;
  return rows.map((row) => ({ ...row, cell: { value: null, text: '-', note } }));
}

export function buildSuiteTable(models: readonly string[], tasks: readonly SuiteTaskColumn[]): SuiteTable {
  const rows: SuiteRow[] = [];
  for (const task of tasks) {
    const perModel = task.runs.map((slot) => ('run' in slot ? rowsOf(slot.run, task.label) : []));
    const keys: string[] = [];
    const shape = new Map<string, Omit<ModelRow, 'cell' | 'version'> & { versions: string[] }>();
    perModel.forEach((modelRows) => {
      for (const row of modelRows) {
        const key = `${row.dataset}\u0000${row.metric}\u0000${row.mode}`;
        const known = shape.get(key);
        if (!known) {
          keys.push(key);
          shape.set(key, { dataset: row.dataset, metric: row.metric, mode: row.mode, versions: [row.version] });
        } else if (!known.versions.includes(row.version)) {
          known.versions.push(row.version);
        }
      }
    });
    for (const key of keys) {
      const known = shape.get(key);
      if (!known) continue;
      const cells = perModel.map((modelRows, index): SuiteCell => {
        const found = modelRows.find((row) => `${row.dataset}\u0000${row.metric}\u0000${row.mode}` === key);
        if (found) return found.cell;
        const slot = task.runs[index];
        return { value: null, text: '-', note: slot && 'missing' in slot ? slot.missing : 'not in this run' };
      });
      rows.push({ task: task.label, dataset: known.dataset, version: known.versions.join('/'), metric: known.metric, mode: known.mode, cells });
    }
  }
  return { models, rows };
}
