/** What a C-Eval run directory's run.json holds: everything reports need besides the records. */
import type { Extractor } from './answer-extraction.js';
import type { CompatMode } from './opencompass/compat.js';
import type { GroupDefinition } from './statistics.js';
import type { SubjectEntry } from './question-set.js';
import type { EvaluationMode } from './record.js';
import { UserError } from '../../engine/language-model.js';

export const CEVAL_RUN_SCHEMA = 'gnomon.ceval.run.v1';

export interface CevalRunInfo {
  readonly schema: typeof CEVAL_RUN_SCHEMA;
  readonly command: string;
  readonly started: string;
  readonly dataset: string;
  readonly split: string;
  readonly labelled: boolean;
  readonly source: string;
  readonly mode: EvaluationMode;
  readonly chat: boolean;
  readonly shots: number;
  readonly promptStyle: string;
  readonly maxOutLen: number;
  readonly limit: number | null;
  readonly batchSize: number;
  /** Short hash of the prompt settings (OpenCompass's `version` column). */
  readonly version: string;
  /** Prompt and scoring: gnomon's own or an OpenCompass version's (absent in older runs: gnomon). */
  readonly compat?: CompatMode;
  /** `--compat opencompass*`: OpenCompass's max_seq_len (shot dropping) and each subject's own version hash. */
  readonly maxSeqLen?: number | null;
  readonly subjectVersions?: Readonly<Record<string, string>>;
  /** gen: how letters are read from replies. */
  readonly extractor?: Extractor;
  readonly model: { readonly name: string; readonly checkpointHash: string; readonly device: string; readonly contextLength: number };
  readonly subjects: readonly SubjectEntry[];
  readonly groups: readonly GroupDefinition[];
}

export function parseCevalRunInfo(json: unknown, dir: string): CevalRunInfo {
  const info = json as Partial<CevalRunInfo> | null;
  if (typeof info !== 'object' || info === null || info.schema !== CEVAL_RUN_SCHEMA) {
    throw new UserError(`${dir}/run.json: not a harness ceval run (schema ${String(info?.schema)})`, 'pass a folder written by harness ceval');
  }
  return info as CevalRunInfo;
}
