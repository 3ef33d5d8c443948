/**
 * Impact of contamination on a score: accuracy of a `harness ceval` run on clean items vs dirty
 * items, with the difference and its 95% Newcombe interval. Labels come from imported annotations
 * or from this run's n-gram overlap. Items without a label are shown as their own "unlabelled"
 * group — counted, never dropped — and so are questions the run skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { parseCevalRunInfo } from '../ceval/run-info.js';
import { readJsonl, readRunInfo } from '../records.js';
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

/** A summary group of subjects (the `harness ceval` run's groups: ceval-stem, …, ceval). */
export interface SubjectGroup {
  readonly name: string;
  readonly subjects: readonly string[];
}

/** OpenCompass's metric names for the three Contamination_Detector labels (AccContaminationEvaluator). */
export const OPENCOMPASS_CLEAN_METRICS: readonly { readonly label: string; readonly metric: string }[] = [
  { label: 'clean', metric: 'accuracy - clean' },
  { label: 'input contamination', metric: 'accuracy - input contaminated' },
  { label: 'input-and-label contamination', metric: 'accuracy - input-and-label contaminated' },
];

export interface OpenCompassCleanCell {
  /** Percent; NaN where the subject has no scored item of the label (OpenCompass's accuracy of an empty list is nan). */
  readonly accuracy: number;
  readonly correct: number;
  readonly scored: number;
  /** Items of the run with this label (the summarizer's weight). */
  readonly items: number;
}

export interface OpenCompassCleanRow {
  /** `ceval-<subject>` or the group name. */
  readonly dataset: string;
  readonly isGroup: boolean;
  /** Per metric, in OPENCOMPASS_CLEAN_METRICS order. */
  readonly cells: readonly OpenCompassCleanCell[];
  /**
   * Groups only, per metric: OpenCompass's contamination summarizer number (weighted_average with the
   * subjects' label counts as weights, zero weights skipped), and the default summarizer's unweighted
   * mean over subjects (NaN when a subject has no item of the label, as nan propagates there). Both
   * NaN when a member subject did not run: a partial group has no number.
   */
  readonly weighted: readonly number[];
  readonly naive: readonly number[];
  /** Groups: member subjects present in the run / in the group. */
  readonly subjects?: string;
}

/**
 * The table OpenCompass prints for ceval_clean_ppl (configs/datasets/ceval/ceval_clean_ppl.py with
 * AccContaminationEvaluator, configs/summarizers/contamination.py): per subject, accuracy on clean,
 * input-contaminated and input-and-label-contaminated items (items "not labeled" are in none of
 * them), then per group the weighted average over subjects with the label counts as weights — the
 * counts OpenCompass hard-codes as `ceval_category_weights`, which are this annotation file's — and
 * the default summarizer's unweighted mean beside it.
 */
export function openCompassCleanTable(outcomes: readonly CevalOutcome[], labelOf: (key: string) => string | undefined,
  subjectOrder: readonly string[], groups: readonly SubjectGroup[]): OpenCompassCleanRow[] {
  const perSubject = new Map<string, OpenCompassCleanCell[]>();
  const cellsOf = (subject: string): OpenCompassCleanCell[] => {
    let cells = perSubject.get(subject);
    if (!cells) {
      cells = OPENCOMPASS_CLEAN_METRICS.map(() => ({ accuracy: Number.NaN, correct: 0, scored: 0, items: 0 }));
      perSubject.set(subject, cells);
    }
    return cells;
  };
  for (const outcome of outcomes) {
    const cells = cellsOf(outcome.subject);
    const index = OPENCOMPASS_CLEAN_METRICS.findIndex((m) => m.label === labelOf(outcome.key));
    const cell = cells[index];
    if (index < 0 || !cell) continue;
    const scored = outcome.correct !== null;
    const next = { ...cell, items: cell.items + 1, scored: cell.scored + (scored ? 1 : 0), correct: cell.correct + (outcome.correct === true ? 1 : 0) };
    cells[index] = { ...next, accuracy: next.scored === 0 ? Number.NaN : (100 * next.correct) / next.scored };
  }
  const ordered = [...subjectOrder.filter((s) => perSubject.has(s)), ...[...perSubject.keys()].filter((s) => !subjectOrder.includes(s))];
  const rows: OpenCompassCleanRow[] = ordered.map((subject) => ({
    dataset: `ceval-${subject}`, isGroup: false, cells: perSubject.get(subject) ?? [], weighted: [], naive: [],
  }));
  for (const group of groups) {
    const members = group.subjects.map((s) => perSubject.get(s));
    const present = members.filter((m): m is OpenCompassCleanCell[] => m !== undefined);
    if (present.length === 0) continue;
    const complete = present.length === group.subjects.length;
    const weighted = OPENCOMPASS_CLEAN_METRICS.map((_, i) => {
      if (!complete) return Number.NaN;
      const weights = present.reduce((sum, cells) => sum + (cells[i]?.items ?? 0), 0);
      const numerator = present.reduce((sum, cells) => ((cells[i]?.items ?? 0) === 0 ? sum : sum + (cells[i]?.accuracy ?? Number.NaN) * (cells[i]?.items ?? 0)), 0);
      return weights === 0 ? Number.NaN : numerator / weights;
    });
    const naive = OPENCOMPASS_CLEAN_METRICS.map((_, i) => (complete ? present.reduce((sum, cells) => sum + (cells[i]?.accuracy ?? Number.NaN), 0) / present.length : Number.NaN));
    const cells = OPENCOMPASS_CLEAN_METRICS.map((_, i) => {
      const correct = present.reduce((sum, c) => sum + (c[i]?.correct ?? 0), 0);
      const scored = present.reduce((sum, c) => sum + (c[i]?.scored ?? 0), 0);
      const items = present.reduce((sum, c) => sum + (c[i]?.items ?? 0), 0);
      return { accuracy: scored === 0 ? Number.NaN : (100 * correct) / scored, correct, scored, items };
    });
    rows.push({ dataset: group.name, isGroup: true, cells, weighted, naive, subjects: complete ? `${present.length}/${group.subjects.length}` : `partial ${present.length}/${group.subjects.length}` });
  }
  return rows;
}

/** The subject order and summary groups of a `harness ceval` run (its run.json), for the OpenCompass table. */
export function readCevalRunGroups(runDir: string): { subjectOrder: string[]; groups: SubjectGroup[] } {
  // A bare records.jsonl (no run.json) still gets the per-subject rows, just no groups.
  if (!existsSync(join(runDir, 'run.json'))) return { subjectOrder: [], groups: [] };
  const info = parseCevalRunInfo(readRunInfo(runDir), runDir);
  return { subjectOrder: info.subjects.map((s) => s.subject), groups: info.groups.map((g) => ({ name: g.name, subjects: [...g.subjects] })) };
}
