/** Reduces a run's records to per-subject and per-group results (pure; reads no files). */
import { recordOutcome, type CevalRecord } from '../../harness/ceval/record.js';
import type { CevalRunInfo } from '../../harness/ceval/run-info.js';
import { CONFIDENCE_METHOD, groupResults, subjectResults, type GroupResult, type SubjectResult } from '../../harness/ceval/statistics.js';

export interface CevalSummary {
  readonly dataset: string;
  readonly split: string;
  readonly mode: string;
  readonly version: string;
  /** `--compat opencompass*`: each subject's OpenCompass version hash (the version column's value). */
  readonly subjectVersions?: Readonly<Record<string, string>>;
  /** Which prompt and scoring produced the run (gnomon or an OpenCompass version). */
  readonly compat: string;
  readonly model: string;
  readonly labelled: boolean;
  readonly confidenceMethod: string;
  readonly subjects: readonly SubjectResult[];
  /** Only groups with at least one scored subject. */
  readonly groups: readonly GroupResult[];
  readonly questions: number;
  readonly scored: number;
  readonly skipped: number;
  /** Questions a served model failed to answer after its retries (`--resume` retries them). */
  readonly errors: number;
  readonly noAnswer: number;
  readonly correct: number;
  readonly tokens: number;
  readonly ms: number;
  /** Shots the run asked for, and how many scored questions ran with fewer (OpenCompass max_seq_len dropping). */
  readonly shots: number;
  readonly fewerShots: number;
  /** gen: how answers were read. */
  readonly extractor?: string;
}

/** The last record per question wins (a resumed run never writes one twice, but be safe). */
export function latestRecords(records: readonly CevalRecord[]): CevalRecord[] {
  const byKey = new Map<string, CevalRecord>();
  for (const record of records) byKey.set(`${record.subject}#${record.row}`, record);
  return [...byKey.values()];
}

export function summarizeRun(info: CevalRunInfo, allRecords: readonly CevalRecord[]): CevalSummary {
  const records = latestRecords(allRecords);
  const subjects = subjectResults(records.map(recordOutcome), info.subjects.map((s) => s.subject));
  const groups = info.labelled ? groupResults(subjects, info.groups).filter((g) => g.subjectsPresent > 0) : [];
  return {
    dataset: info.dataset,
    split: info.split,
    mode: info.mode,
    version: info.version,
    ...(info.subjectVersions ? { subjectVersions: info.subjectVersions } : {}),
    compat: info.compat ?? 'gnomon',
    model: info.model.name,
    labelled: info.labelled,
    confidenceMethod: CONFIDENCE_METHOD,
    subjects,
    groups,
    questions: records.length,
    scored: records.filter((r) => r.status === 'ok').length,
    skipped: records.filter((r) => r.status === 'skipped').length,
    errors: records.filter((r) => r.status === 'error').length,
    noAnswer: subjects.reduce((sum, s) => sum + s.noAnswer, 0),
    correct: subjects.reduce((sum, s) => sum + s.correct, 0),
    tokens: records.reduce((sum, r) => sum + r.n_tokens, 0),
    ms: records.reduce((sum, r) => sum + r.ms, 0),
    shots: info.shots,
    fewerShots: records.filter((r) => r.status === 'ok' && r.shots !== undefined && r.shots < info.shots).length,
    ...(info.mode === 'gen' ? { extractor: info.extractor ?? 'gnomon' } : {}),
  };
}
