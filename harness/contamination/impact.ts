/**
 * Impact of contamination on a score: accuracy of a `harness ceval` run on clean items vs dirty
 * items, with the difference and its 95% Newcombe interval. Labels come from imported annotations
 * or from this run's n-gram overlap. Items without a label are shown as their own "unlabelled"
 * group — counted, never dropped — and so are questions the run skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { readJsonl } from '../records.js';
import { proportionDifference, wilsonInterval, type Proportion, type ProportionDifference } from './statistics.js';

/** What the impact table needs from one line of a `harness ceval` run's records.jsonl. */
export interface CevalOutcome {
  readonly key: string;
  readonly subject: string;
  readonly row: number;
  readonly mode: string;
  /** null when the question was skipped or has no answer key. */
  readonly correct: boolean | null;
}

export const CEVAL_RECORDS_FILE = 'records.jsonl';

export function readCevalOutcomes(runDir: string): CevalOutcome[] {
  const file = join(runDir, CEVAL_RECORDS_FILE);
  if (!existsSync(file)) throw new UserError(`--ceval-run ${runDir}: no ${CEVAL_RECORDS_FILE} in it`, 'pass the run directory that `harness ceval` printed');
  return readJsonl<Record<string, unknown>>(file).map((record, index) => {
    const { subject, row, mode, correct, status } = record;
    if (typeof subject !== 'string' || typeof row !== 'number' || !Number.isInteger(row)) {
      throw new UserError(`${file}:${index + 1}: record lacks subject or row`, 'pass a run directory written by `harness ceval`');
    }
    const scored = status === 'ok' && typeof correct === 'boolean';
    return { key: `${subject}-${row}`, subject, row, mode: typeof mode === 'string' ? mode : 'unknown', correct: scored ? correct : null };
  });
}

export interface ImpactGroup {
  readonly label: string;
  /** Questions of the run with this label, scored or not. */
  readonly questions: number;
  /** Accuracy over the scored ones (Wilson 95% interval). */
  readonly accuracy: Proportion;
}

export interface ImpactTable {
  /** Where labels came from: "annotations" or "n-gram overlap". */
  readonly source: string;
  readonly mode: string;
  readonly groups: readonly ImpactGroup[];
  readonly dirtyLabels: readonly string[];
  readonly cleanLabel: string;
  readonly dirty: Proportion;
  readonly clean: Proportion;
  /** dirty accuracy − clean accuracy. */
  readonly difference: ProportionDifference;
}

export const UNLABELLED = 'unlabelled';

/**
 * Accuracy per label (every label in `labelOrder`, then any other label seen, then "unlabelled"),
 * one table per evaluation mode found in the run.
 */
export function impactTables(
  outcomes: readonly CevalOutcome[],
  labelOf: (key: string) => string | undefined,
  options: { readonly source: string; readonly labelOrder: readonly string[]; readonly dirtyLabels: readonly string[]; readonly cleanLabel: string },
): ImpactTable[] {
  const modes = [...new Set(outcomes.map((o) => o.mode))];
  return modes.map((mode) => {
    const counts = new Map<string, { questions: number; scored: number; correct: number }>();
    for (const label of [...options.labelOrder, UNLABELLED]) counts.set(label, { questions: 0, scored: 0, correct: 0 });
    for (const outcome of outcomes) {
      if (outcome.mode !== mode) continue;
      const label = labelOf(outcome.key) ?? UNLABELLED;
      const count = counts.get(label) ?? { questions: 0, scored: 0, correct: 0 };
      counts.set(label, count);
      count.questions += 1;
      if (outcome.correct !== null) {
        count.scored += 1;
        if (outcome.correct) count.correct += 1;
      }
    }
    const ordered = [...counts.keys()].filter((l) => l !== UNLABELLED).concat(UNLABELLED);
    const groups = ordered.map((label) => {
      const count = counts.get(label) ?? { questions: 0, scored: 0, correct: 0 };
      return { label, questions: count.questions, accuracy: wilsonInterval(count.correct, count.scored) };
    });
    const pool = (labels: readonly string[]): Proportion => {
      let correct = 0;
      let scored = 0;
      for (const label of labels) {
        const count = counts.get(label);
        correct += count?.correct ?? 0;
        scored += count?.scored ?? 0;
      }
      return wilsonInterval(correct, scored);
    };
    const dirty = pool(options.dirtyLabels);
    const clean = pool([options.cleanLabel]);
    return { source: options.source, mode, groups, dirtyLabels: options.dirtyLabels, cleanLabel: options.cleanLabel, dirty, clean, difference: proportionDifference(dirty, clean) };
  });
}
