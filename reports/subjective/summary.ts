/** Everything a subjective run's reports show, computed from run.json and the records alone. */
import { uniqueByKey } from '../../harness/records.js';
import type { SubjectiveRecord } from '../../harness/subjective/record.js';
import type { SubjectiveRunInfo } from '../../harness/subjective/run-info.js';
import {
  bradleyTerrySummary, diagnostics, pairwiseSummary, scoreSummary,
  type BradleyTerrySummary, type Diagnostics, type ModelScores, type PairwiseRow,
} from '../../harness/subjective/statistics.js';

export interface SubjectiveSummary {
  readonly preset: string;
  readonly mode: string;
  readonly judge: string;
  readonly baseline: string | null;
  readonly bootstrap: { readonly resamples: number; readonly seed: number };
  readonly records: number;
  readonly scores: readonly ModelScores[];
  readonly pairwise: readonly PairwiseRow[];
  /** Bradley–Terry over every model in the pairwise records (null in score mode). */
  readonly bradleyTerry: BradleyTerrySummary | null;
  readonly diagnostics: Diagnostics;
}

/** Each judgement once: the first record of each key, as every gnomon summary counts them. */
export function uniqueJudgements(records: readonly SubjectiveRecord[]): SubjectiveRecord[] {
  return uniqueByKey(records, (r) => r.key);
}

export function summarizeSubjectiveRun(info: SubjectiveRunInfo, allRecords: readonly SubjectiveRecord[]): SubjectiveSummary {
  const records = uniqueJudgements(allRecords);
  const options = { resamples: info.settings.bootstrap, seed: info.settings.seed };
  return {
    preset: info.preset, mode: info.mode, judge: info.judge.name, baseline: info.baseline,
    bootstrap: { resamples: options.resamples, seed: options.seed }, records: records.length,
    scores: info.mode === 'score' ? scoreSummary(records, options) : [],
    pairwise: info.mode === 'pairwise' ? pairwiseSummary(records, options) : [],
    bradleyTerry: info.mode === 'pairwise' ? bradleyTerrySummary(records, info.baseline, options) : null,
    diagnostics: diagnostics(records),
  };
}
