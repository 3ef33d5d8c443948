/**
 * Writes a suite folder's table (summary.txt/.csv/.md) and report.html from suite.json and the run
 * folders alone, so `harness run` writes it at the end and `harness run --report OUT` (or a compare
 * of suites) can rebuild it without a model.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { findPairRun, pairFolder, readSuiteState, type SuiteState } from '../../harness/suite/suite-state.js';
import { readRunResult } from './run-results.js';
import { renderSuiteReport } from './suite-html.js';
import { suiteTableCsv, suiteTableMarkdown, suiteTableText } from './suite-table-formats.js';
import { buildSuiteTable, type SuiteTable, type SuiteTaskColumn } from './suite-table.js';

export interface WrittenSuiteReport {
  readonly table: SuiteTable;
  readonly tasks: readonly SuiteTaskColumn[];
  readonly text: string;
  readonly files: readonly string[];
}

/** Each task's run per model, read from the suite folder. */
export function suiteColumns(dir: string, state: SuiteState): SuiteTaskColumn[] {
  return state.plan.tasks.map((task) => ({
    label: task.label,
    runs: state.plan.models.map((model) => {
      const run = findPairRun(pairFolder(dir, model.name, task.label));
      if (!run) return { missing: 'not started' };
      return { run: readRunResult(run) };
    }),
  }));
}

export function readSuite(dir: string): { state: SuiteState; table: SuiteTable; tasks: SuiteTaskColumn[] } {
  const state = readSuiteState(dir);
  if (!state) throw new UserError(`${dir}: no suite.json; not a suite folder`, 'pass the out folder of a harness run config');
  const tasks = suiteColumns(dir, state);
  return { state, tasks, table: buildSuiteTable(state.plan.models.map((m) => m.name), tasks) };
}

export function writeSuiteReport(dir: string): WrittenSuiteReport {
  const { state, table, tasks } = readSuite(dir);
  const text = suiteTableText(table);
  const done = state.pairs.filter((p) => p.status === 'done').length;
  const html = renderSuiteReport(table, tasks, {
    title: `Suite: ${state.plan.models.length} model(s) × ${state.plan.tasks.length} task(s)`,
    subtitle: [`config ${state.config}`, `${done} of ${state.pairs.length} runs done · started ${state.started}${state.finished ? ` · finished ${state.finished}` : ''}`, `harness ${state.command}`],
    dir,
  });
  const outputs: [string, string][] = [
    ['summary.txt', text], ['summary.csv', suiteTableCsv(table)], ['summary.md', suiteTableMarkdown(table)], ['report.html', html],
  ];
  for (const [name, content] of outputs) writeFileSync(join(dir, name), content);
  return { table, tasks, text, files: outputs.map(([name]) => join(dir, name)) };
}
