/**
 * What `harness compare` was given, as groups of runs to compare: run folders are grouped by kind
 * (C-Eval runs with C-Eval runs, needle with needle); a suite folder contributes each of its tasks as
 * a group with a run per model, and several suites line up by task.
 */
import { basename, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { SUITE_FILE } from '../../harness/suite/suite-state.js';
import { isRunDirectory, readRunResult } from '../suite/run-results.js';
import { readSuite } from '../suite/write-suite-report.js';
import type { ComparedRun } from './run-comparison.js';

export interface ComparisonGroup {
  readonly name: string;
  readonly runs: readonly ComparedRun[];
}

const KEYS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function comparisonGroups(inputs: readonly string[]): ComparisonGroup[] {
  const suites = inputs.filter((dir) => existsSync(join(dir, SUITE_FILE)));
  const groups = new Map<string, Omit<ComparedRun, 'key'>[]>();
  const add = (group: string, entry: Omit<ComparedRun, 'key'>): void => {
    groups.set(group, [...(groups.get(group) ?? []), entry]);
  };
  for (const input of inputs) {
    const dir = resolve(input);
    if (existsSync(join(dir, SUITE_FILE))) {
      const { tasks, state } = readSuite(dir);
      tasks.forEach((task) => task.runs.forEach((slot, index) => {
        const model = state.plan.models[index]?.name ?? '?';
        if ('run' in slot) add(`suite task ${task.label}`, { label: suites.length > 1 ? `${model} (${basename(dir)})` : model, run: slot.run });
      }));
    } else if (isRunDirectory(dir)) {
      const run = readRunResult(dir);
      if (run.kind === 'other') throw new UserError(`${input}: a ${run.task} run; compare reads C-Eval and needle runs`, 'pass harness ceval or harness needle run folders, or suite folders');
      add(run.kind === 'ceval' ? 'C-Eval runs' : 'needle runs', { label: `${run.model} · ${basename(dir)}`, run });
    } else {
      throw new UserError(`${input}: neither a run folder (run.json) nor a suite folder (suite.json)`, 'pass folders that harness ceval, harness needle or harness run printed (harness list runs shows them)');
    }
  }
  const result = [...groups].map(([name, runs]) => ({ name, runs: runs.map((run, index) => ({ ...run, key: KEYS[index] ?? `R${index + 1}` })) }));
  if (!result.some((group) => group.runs.length >= 2)) {
    throw new UserError(`nothing to compare: ${result.map((g) => `${g.name}: ${g.runs.length} run`).join('; ')}`, 'pass at least two runs of the same kind (two C-Eval runs, two needle runs) or a suite with two models');
  }
  return result;
}
