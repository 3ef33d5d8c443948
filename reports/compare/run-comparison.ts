/**
 * Compares runs of one kind, column by column against the first (the baseline): per-subject (C-Eval)
 * or per-length (needle) scores, each difference with its test on the items both runs scored, and
 * what differs between the runs' run.json files so a reader sees why two numbers may not be
 * comparable. Pure: takes read runs, returns rows.
 */
import { formatTokenCount } from '../../harness/needle/grid.js';
import type { CevalRecord } from '../../harness/ceval/record.js';
import type { NeedleRecord } from '../../harness/needle/needle-record.js';
import type { CevalRun, NeedleRun, RunResult } from '../suite/run-results.js';
import { BOOTSTRAP_METHOD, MCNEMAR_TEST, mcNemarOfPairs, pairedBootstrap, type BootstrapInterval, type McNemarResult } from './paired-tests.js';

export interface ComparedRun {
  /** Column key: A, B, C, … */
  readonly key: string;
  readonly label: string;
  readonly run: RunResult;
}

export interface DifferenceCell {
  /** Score of this run minus the baseline's, in the table's unit; null when either has none. */
  readonly delta: number | null;
  /** Items both runs scored. */
  readonly paired: number;
  readonly mcnemar: McNemarResult | null;
  readonly bootstrap: BootstrapInterval | null;
}

export interface ComparisonRow {
  readonly name: string;
  /** Row kind, for styling: subject, group, overall, length. */
  readonly kind: 'subject' | 'group' | 'overall' | 'length';
  /** One per run; percent; null when the run has no score here. */
  readonly values: readonly (number | null)[];
  /** One per run after the baseline. */
  readonly differences: readonly DifferenceCell[];
}

export interface SettingDifference {
  readonly key: string;
  readonly values: readonly string[];
}

export interface Comparison {
  readonly kind: 'ceval' | 'needle';
  readonly runs: readonly ComparedRun[];
  readonly rows: readonly ComparisonRow[];
  readonly test: string;
  readonly unit: string;
  readonly differs: readonly SettingDifference[];
  readonly notes: readonly string[];
}

export interface CompareOptions {
  readonly resamples: number;
  readonly seed: string;
}

type Outcome = boolean;

function cevalOutcomes(run: CevalRun): Map<string, { readonly subject: string; readonly correct: Outcome }> {
  const map = new Map<string, { subject: string; correct: Outcome }>();
  for (const record of run.records as readonly CevalRecord[]) {
    if (record.status === 'ok' && record.correct !== null) map.set(`${record.subject}#${record.row}`, { subject: record.subject, correct: record.correct });
  }
  return map;
}

function accuracyDifference(base: Map<string, { subject: string; correct: Outcome }>, other: Map<string, { subject: string; correct: Outcome }>, keep: (subject: string) => boolean, options: CompareOptions, seedSuffix: string): Omit<DifferenceCell, 'delta'> & { readonly pairedDelta: number | null } {
  const pairs: [boolean, boolean][] = [];
  for (const [key, a] of base) {
    const b = other.get(key);
    if (b && keep(a.subject)) pairs.push([a.correct, b.correct]);
  }
  if (pairs.length === 0) return { paired: 0, mcnemar: null, bootstrap: null, pairedDelta: null };
  const bootstrap = pairedBootstrap(pairs.map(([a, b]) => 100 * (Number(b) - Number(a))), { resamples: options.resamples, seed: `${options.seed}:${seedSuffix}` });
  return { paired: pairs.length, mcnemar: mcNemarOfPairs(pairs), bootstrap, pairedDelta: bootstrap.difference };
}

function compareCeval(runs: readonly ComparedRun[], options: CompareOptions): ComparisonRow[] {
  const cevalRuns = runs.map((r) => r.run as CevalRun);
  const outcomes = cevalRuns.map(cevalOutcomes);
  const [baseline] = cevalRuns;
  const baseOutcomes = outcomes[0];
  if (!baseline || !baseOutcomes) return [];
  const subjects = [...new Set(cevalRuns.flatMap((run) => run.summary.subjects.map((s) => s.subject)))];
  const groups = [...new Map(cevalRuns.flatMap((run) => run.cevalInfo.groups.map((g) => [g.name, g] as const))).values()];
  const rows: ComparisonRow[] = [];
  const diff = (values: readonly (number | null)[], keep: (subject: string) => boolean, name: string): DifferenceCell[] =>
    outcomes.slice(1).map((other, index) => {
      const paired = accuracyDifference(baseOutcomes, other, keep, options, `${name}:${index + 1}`);
      const a = values[0];
      const b = values[index + 1];
      return { delta: a === null || a === undefined || b === null || b === undefined ? null : b - a, paired: paired.paired, mcnemar: paired.mcnemar, bootstrap: paired.bootstrap };
    });
  for (const subject of subjects) {
    const values = cevalRuns.map((run) => {
      const result = run.summary.subjects.find((s) => s.subject === subject);
      return result && result.count > 0 ? result.accuracy : null;
    });
    rows.push({ name: subject, kind: 'subject', values, differences: diff(values, (s) => s === subject, subject) });
  }
  for (const group of groups) {
    const members = new Set(group.subjects);
    if (!subjects.some((s) => members.has(s))) continue;
    // A group's number is OpenCompass's unweighted mean over its subjects, and only when every run has them all.
    const values = cevalRuns.map((run) => {
      const result = run.summary.groups.find((g) => g.name === group.name);
      return result && result.subjectsPresent === result.subjectsTotal ? result.meanAccuracy : null;
    });
    // A group no run has whole would repeat its subjects' rows under a name that promises more.
    if (values.every((value) => value === null)) continue;
    rows.push({ name: group.name, kind: 'group', values, differences: diff(values, (s) => members.has(s), group.name) });
  }
  const overall = cevalRuns.map((run) => (run.summary.scored === 0 ? null : (100 * run.summary.correct) / run.summary.scored));
  rows.push({ name: 'all questions (question-weighted)', kind: 'overall', values: overall, differences: diff(overall, () => true, 'overall') });
  return rows;
}

function needleScores(run: NeedleRun): Map<string, { readonly length: number; readonly score: number }> {
  const map = new Map<string, { length: number; score: number }>();
  for (const record of run.records as readonly NeedleRecord[]) {
    if (record.status === 'ok' && record.score !== null) map.set(record.key, { length: record.length_target, score: record.score });
  }
  return map;
}

function compareNeedle(runs: readonly ComparedRun[], options: CompareOptions): ComparisonRow[] {
  const needleRuns = runs.map((r) => r.run as NeedleRun);
  const scores = needleRuns.map(needleScores);
  const base = scores[0];
  if (!base) return [];
  const lengths = [...new Set(needleRuns.flatMap((run) => run.summary.lengths))].sort((a, b) => a - b);
  const diff = (values: readonly (number | null)[], keep: (length: number) => boolean, name: string): DifferenceCell[] => scores.slice(1).map((other, index) => {
    const differences: number[] = [];
    for (const [key, a] of base) {
      const b = other.get(key);
      if (b && keep(a.length)) differences.push(100 * (b.score - a.score));
    }
    const a = values[0];
    const b = values[index + 1];
    const binary = [...base.values(), ...other.values()].every((s) => s.score === 0 || s.score === 1);
    const pairs: [boolean, boolean][] = [];
    if (binary) for (const [key, x] of base) { const y = other.get(key); if (y && keep(x.length)) pairs.push([x.score === 1, y.score === 1]); }
    return {
      delta: a === null || a === undefined || b === null || b === undefined ? null : b - a,
      paired: differences.length,
      mcnemar: binary && pairs.length > 0 ? mcNemarOfPairs(pairs) : null,
      bootstrap: differences.length > 0 ? pairedBootstrap(differences, { resamples: options.resamples, seed: `${options.seed}:${name}:${index + 1}` }) : null,
    };
  });
  const rows: ComparisonRow[] = lengths.map((length) => {
    const values = needleRuns.map((run) => {
      const line = run.summary.byLength.find((l) => l.at === length);
      return line && line.mean !== null ? 100 * line.mean : null;
    });
    return { name: formatTokenCount(length), kind: 'length', values, differences: diff(values, (l) => l === length, String(length)) };
  });
  const overall = needleRuns.map((run) => (run.summary.overall === null ? null : 100 * run.summary.overall));
  rows.push({ name: 'all cells', kind: 'overall', values: overall, differences: diff(overall, () => true, 'overall') });
  return rows;
}

// Keys that differ between any two runs without changing what was measured.
const NOISE = new Set(['started', 'command', 'argv', 'node', 'schema', 'model_info.device', 'model.device']);

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  const text = JSON.stringify(value) ?? 'undefined';
  out.set(prefix, Array.isArray(value) && text.length > 80 ? `[${value.length} items, ${text.slice(0, 60)}…]` : text);
}

/** run.json keys whose values are not the same in every run (checkpoint, prompt version, settings…). */
export function settingDifferences(runs: readonly RunResult[]): SettingDifference[] {
  const flat = runs.map((run) => {
    const out = new Map<string, string>();
    flatten(run.info, '', out);
    return out;
  });
  const keys = [...new Set(flat.flatMap((map) => [...map.keys()]))].filter((key) => !NOISE.has(key));
  return keys
    .filter((key) => new Set(flat.map((map) => map.get(key) ?? '(absent)')).size > 1)
    .map((key) => ({ key, values: flat.map((map) => map.get(key) ?? '(absent)') }));
}

export function compareRuns(runs: readonly ComparedRun[], options: CompareOptions): Comparison {
  const kinds = new Set(runs.map((r) => r.run.kind));
  const [first] = runs;
  if (!first || kinds.size !== 1 || (first.run.kind !== 'ceval' && first.run.kind !== 'needle')) {
    throw new Error('compareRuns needs runs of one kind, ceval or needle (the command checks this first)');
  }
  const notes = runs.filter((r) => r.run.status !== 'finished').map((r) => `${r.key} is ${r.run.status} (${r.run.done}/${r.run.planned ?? '?'} done): only the items it finished are compared`);
  const differs = settingDifferences(runs.map((r) => r.run));
  if (first.run.kind === 'ceval') {
    return { kind: 'ceval', runs, rows: compareCeval(runs, options), test: `${MCNEMAR_TEST}; Δ interval: ${BOOTSTRAP_METHOD}, ${options.resamples} resamples, seed ${options.seed}`, unit: 'accuracy %', differs, notes };
  }
  return { kind: 'needle', runs, rows: compareNeedle(runs, options), test: `${BOOTSTRAP_METHOD} of the mean score difference over matched cells, ${options.resamples} resamples, seed ${options.seed}; exact McNemar where every score is 0 or 1`, unit: 'score × 100', differs, notes };
}
