/**
 * Reads any run folder back (C-Eval, needle, contamination, or something this build does not know)
 * into what tables, comparisons and the runs index need: its kind, model, date, whether every planned
 * unit is done, a headline score, and the parsed summary. Reads files only; never runs a model.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl, RUN_FILE } from '../../harness/records.js';
import { RECORDS_FILE as CEVAL_RECORDS, type CevalRecord } from '../../harness/ceval/record.js';
import { CEVAL_RUN_SCHEMA, type CevalRunInfo } from '../../harness/ceval/run-info.js';
import { openQuestionSet, type CevalSettings } from '../../harness/ceval/evaluation.js';
import { plannedQuestions } from '../../harness/ceval/runner.js';
import { RECORDS_FILE as NEEDLE_RECORDS, type NeedleRunInfo } from '../../harness/needle/needle-run.js';
import type { NeedleRecord } from '../../harness/needle/needle-record.js';
import { formatTokenCount } from '../../harness/needle/grid.js';
import { latestRecords, summarizeRun, type CevalSummary } from '../ceval/summary.js';
import { summariseNeedleRecords, type NeedleSummary } from '../needle/needle-summary.js';

export type RunStatus = 'finished' | 'unfinished' | 'unknown';

export interface Headline {
  readonly metric: string;
  /** Percent (or tokens for effective length); null when nothing was scored. */
  readonly value: number | null;
  readonly text: string;
}

interface RunBase {
  readonly dir: string;
  readonly model: string;
  readonly checkpointHash: string | null;
  /** Short description of what ran: `ceval-ppl`, `needle-single`. */
  readonly task: string;
  readonly started: string | null;
  readonly status: RunStatus;
  /** Units done / planned (questions, cells, items); planned null when unknown. */
  readonly done: number;
  readonly planned: number | null;
  readonly headline: Headline;
  /** run.json as stored, for "what differs". */
  readonly info: Readonly<Record<string, unknown>>;
}

export interface CevalRun extends RunBase {
  readonly kind: 'ceval';
  readonly cevalInfo: CevalRunInfo;
  readonly summary: CevalSummary;
  readonly records: readonly CevalRecord[];
}

export interface NeedleRun extends RunBase {
  readonly kind: 'needle';
  readonly needleInfo: NeedleRunInfo;
  readonly summary: NeedleSummary;
  readonly records: readonly NeedleRecord[];
}

export interface OtherRun extends RunBase {
  readonly kind: 'other';
}

export type RunResult = CevalRun | NeedleRun | OtherRun;

export function isRunDirectory(dir: string): boolean {
  return existsSync(join(dir, RUN_FILE)) && statSync(dir).isDirectory();
}

function readInfo(dir: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

// Runs of one suite or one folder often share settings: read each question set's files once.
const plannedBySettings = new Map<string, number | null>();

/** Questions the run planned, from its stored settings and the data they name (null if unreadable). */
function plannedCevalQuestions(info: Record<string, unknown>): number | null {
  const settings = info.settings as CevalSettings | undefined;
  if (!settings) return null;
  const key = JSON.stringify(settings);
  const known = plannedBySettings.get(key);
  if (known !== undefined) return known;
  let planned: number | null;
  try {
    planned = plannedQuestions(openQuestionSet(settings), settings.limit).reduce((sum, subject) => sum + subject.questions.length, 0);
  } catch {
    planned = null;
  }
  plannedBySettings.set(key, planned);
  return planned;
}

function cevalHeadline(summary: CevalSummary): Headline {
  const whole = summary.groups.find((g) => g.name === summary.dataset && g.subjectsPresent === g.subjectsTotal);
  if (whole) return { metric: 'naive_average', value: whole.meanAccuracy, text: `${summary.dataset} naive_average ${whole.meanAccuracy.toFixed(2)}` };
  if (!summary.labelled) return { metric: 'predictions', value: null, text: `${summary.questions} predictions (no answers in ${summary.split})` };
  const value = summary.scored === 0 ? null : (100 * summary.correct) / summary.scored;
  return { metric: 'accuracy', value, text: value === null ? 'nothing scored' : `accuracy ${value.toFixed(2)} (${summary.correct}/${summary.scored})` };
}

function needleHeadline(summary: NeedleSummary): Headline {
  const value = summary.overall === null ? null : 100 * summary.overall;
  const effective = summary.effectiveLength === null ? 'none' : formatTokenCount(summary.effectiveLength);
  return { metric: 'score', value, text: value === null ? 'nothing scored' : `score ${value.toFixed(2)}, effective length ${effective}` };
}

function statusOf(done: number, planned: number | null, reportWritten: boolean): RunStatus {
  if (planned !== null) return done >= planned ? 'finished' : 'unfinished';
  return reportWritten ? 'finished' : 'unknown';
}

/** Reads a run folder; a folder of a kind this build does not summarise comes back as `other`. */
export function readRunResult(dir: string): RunResult {
  const info = readInfo(dir);
  const model = info.model as { name?: string; checkpointHash?: string } | undefined;
  const modelInfo = (info.model_info ?? model) as { name?: string; checkpointHash?: string } | undefined;
  const base = {
    dir, info, started: typeof info.started === 'string' ? info.started : null,
    model: modelInfo?.name ?? '-', checkpointHash: modelInfo?.checkpointHash ?? null,
  };
  if (info.schema === CEVAL_RUN_SCHEMA) {
    const cevalInfo = info as unknown as CevalRunInfo;
    const records = latestRecords(readJsonl<CevalRecord>(join(dir, CEVAL_RECORDS)));
    const summary = summarizeRun(cevalInfo, records);
    const planned = plannedCevalQuestions(info);
    return {
      ...base, kind: 'ceval', task: `${cevalInfo.dataset}-${cevalInfo.mode}`, cevalInfo, summary, records,
      done: records.length, planned, status: statusOf(records.length, planned, existsSync(join(dir, 'summary.json'))), headline: cevalHeadline(summary),
    };
  }
  if (info.command === 'needle') {
    const needleInfo = info as unknown as NeedleRunInfo;
    const records = readJsonl<NeedleRecord>(join(dir, NEEDLE_RECORDS));
    const summary = summariseNeedleRecords(records, needleInfo.settings.threshold);
    const { grid } = needleInfo.settings;
    const planned = grid.lengths.length * grid.depths.length * grid.repeats;
    const done = new Set(records.map((r) => r.key)).size;
    return {
      ...base, kind: 'needle', task: `needle-${needleInfo.settings.task.kind}`, needleInfo, summary, records,
      done, planned, status: statusOf(done, planned, true), headline: needleHeadline(summary),
    };
  }
  // Other kinds (contamination, subjective, …): a short task name from what their run.json holds.
  const preset = typeof info.preset === 'string' ? `${info.preset}${typeof info.mode === 'string' ? `-${info.mode}` : ''}` : null;
  const command = preset ?? (typeof info.command === 'string' ? info.command.split(' ')[0] ?? 'unknown' : typeof info.schema === 'string' ? info.schema : 'unknown');
  const judge = (info.judge as { name?: string } | undefined)?.name;
  const reportWritten = existsSync(join(dir, 'report.html'));
  return {
    ...base, ...(base.model === '-' && judge ? { model: `judge ${judge}` } : {}), kind: 'other', task: command, done: 0, planned: null, status: reportWritten ? 'finished' : 'unknown',
    headline: { metric: '-', value: null, text: reportWritten ? 'see report.html' : '-' },
  };
}
