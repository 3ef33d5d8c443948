/** What a subjective run directory's run.json holds: every setting, the judge, the answer sources. */
import { UserError } from '../../engine/language-model.js';
import type { PresetName, SubjectiveMode } from './presets.js';
import type { PairOrder } from './record.js';

export const SUBJECTIVE_RUN_SCHEMA = 'gnomon.subjective.run.v1';

/** The settings that define a run (saved; `--resume` reuses them). */
export interface SubjectiveSettings {
  readonly preset: PresetName;
  readonly mode: SubjectiveMode;
  readonly dataDir: string;
  readonly questionIds?: readonly string[] | undefined;
  readonly categories?: readonly string[] | undefined;
  readonly limit?: number | undefined;
  /** Answer files (FastChat model_answer JSONL). */
  readonly answers: readonly string[];
  /** Pairwise: a model name with published answers, or an answers file. */
  readonly baseline?: string | undefined;
  readonly orders: readonly PairOrder[];
  readonly repeats: number;
  /** Most tokens a judge reply may have. */
  readonly judgeMaxOutLen: number;
  /** Most tokens per generated answer turn (`--model`). */
  readonly maxOutLen: number;
  /** Judge prompts per engine call. */
  readonly batchSize: number;
  /** Bootstrap resamples for intervals, and their seed. */
  readonly bootstrap: number;
  readonly seed: number;
}

export interface ModelIdentity {
  readonly name: string;
  readonly checkpointHash: string;
  readonly device: string;
  readonly contextLength: number;
  readonly source: string;
}

export interface SubjectiveRunInfo {
  readonly schema: typeof SUBJECTIVE_RUN_SCHEMA;
  readonly command: string;
  readonly started: string;
  readonly preset: PresetName;
  readonly mode: SubjectiveMode;
  readonly questionSource: string;
  readonly questions: number;
  readonly judge: ModelIdentity;
  /** The model that generated answers in this run (`--model`), if any. */
  readonly answerModel: ModelIdentity | null;
  /** Every answer source: model name → where its answers come from. */
  readonly sources: readonly { readonly model: string; readonly source: string }[];
  readonly baseline: string | null;
  readonly settings: SubjectiveSettings;
}

export function parseSubjectiveRunInfo(json: unknown, dir: string): SubjectiveRunInfo {
  const info = json as Partial<SubjectiveRunInfo> | null;
  if (typeof info !== 'object' || info === null || info.schema !== SUBJECTIVE_RUN_SCHEMA || !info.settings) {
    throw new UserError(`${dir}/run.json: not a harness subjective run (schema ${String(info?.schema)})`, 'pass a folder written by harness subjective');
  }
  return info as SubjectiveRunInfo;
}
