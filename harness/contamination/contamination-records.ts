/**
 * The JSONL records of a contamination run: one line per (probe, item set, item), written as each
 * finishes, so `--resume RUN_DIR` re-runs only what is missing. Reports read these lines only.
 */
import type { RequestFailureInfo } from '../../engine/language-model.js';
import type { ItemOverlap } from './ngram-index.js';
import type { LikelihoodScores } from './likelihood-probes.js';
import type { OptionOrderScores } from './option-order.js';

export const CONTAMINATION_RECORD_SCHEMA = 'gnomon.contamination.record.v1';
export const CONTAMINATION_RECORDS_FILE = 'records.jsonl';
export const CORPUS_SCAN_FILE = 'corpus-scan.json';

export type ItemSet = 'benchmark' | 'reference';
export type ProbeName = 'ngram' | 'likelihood' | 'option_order';
export const PROBE_NAMES: readonly ProbeName[] = ['ngram', 'likelihood', 'option_order'];

interface RecordBase {
  readonly schema: typeof CONTAMINATION_RECORD_SCHEMA;
  readonly set: ItemSet;
  /** `<subject>-<row>`, the Contamination_Detector key. */
  readonly item_key: string;
  readonly item_id: string;
  readonly subject: string;
  readonly row: number;
  /** Present on model probes a served model failed after its retries (scores null); `--resume` runs them again. */
  readonly status?: 'error';
  readonly error?: RequestFailureInfo;
}

export interface NgramRecord extends RecordBase {
  readonly probe: 'ngram';
  readonly ngram: ItemOverlap;
}

export interface LikelihoodRecord extends RecordBase {
  readonly probe: 'likelihood';
  /** null when the item could not be scored; `unscored_reason` says why. */
  readonly likelihood: LikelihoodScores | null;
  /** Why `likelihood` is null: no scorable token, "skipped: …" (longer than the context), "model error: …". */
  readonly unscored_reason?: string;
}

export interface OptionOrderRecord extends RecordBase {
  readonly probe: 'option_order';
  /** null for items without options, or when the item could not be scored (`unscored_reason`). */
  readonly option_order: OptionOrderScores | null;
  readonly unscored_reason?: string;
  readonly ms: number;
}

export type ContaminationRecord = NgramRecord | LikelihoodRecord | OptionOrderRecord;

export function contaminationRecordKey(record: { readonly probe: ProbeName; readonly set: ItemSet; readonly item_key: string }): string {
  return `${record.probe}:${record.set}:${record.item_key}`;
}
