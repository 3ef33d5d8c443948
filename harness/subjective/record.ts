/**
 * One JSONL record per judgement. It holds what reports need without the models: the question, the
 * judged answers, the rendered prompt (and its hash), the judge's raw reply and the parsed verdict.
 * Status: `ok` (verdict read), `parse_failure` (reply unreadable: counted, never a zero or a loss),
 * `skipped` (no answer to judge, or a prompt longer than the judge's context). A judge call that throws
 * stops the run (finished records stay; `--resume` continues).
 */
import type { FinishReason } from '../../engine/language-model.js';
import type { PairWinner } from './judge-replies.js';
import type { PresetName, ScoreVerdict, SubjectiveMode } from './presets.js';

export const SUBJECTIVE_RECORD_SCHEMA = 'gnomon.subjective.record.v1';
export const RECORDS_FILE = 'records.jsonl';

/** AB: the candidate is shown as assistant A; BA: the swap. */
export type PairOrder = 'AB' | 'BA';
export type JudgementStatus = 'ok' | 'parse_failure' | 'skipped';

export interface PairVerdict {
  readonly winner: PairWinner;
  /** The model behind the winning letter; null for a tie. */
  readonly winner_model: string | null;
}

export interface SubjectiveRecord {
  readonly schema: typeof SUBJECTIVE_RECORD_SCHEMA;
  readonly key: string;
  readonly preset: PresetName;
  readonly mode: SubjectiveMode;
  readonly question_id: string;
  readonly category: string;
  readonly subcategory: string | null;
  readonly turn: number;
  /** Models in the prompt's order: [graded] or [assistant A, assistant B]. */
  readonly models: readonly string[];
  /** The model being evaluated, and its opponent in pairwise mode. */
  readonly candidate: string;
  readonly opponent: string | null;
  readonly order: PairOrder | null;
  readonly repeat: number;
  readonly judge: string;
  readonly judge_template: string;
  readonly prompt_hash: string;
  readonly system_prompt: string;
  readonly user_prompt: string;
  /** The user turns up to the judged one. */
  readonly question: readonly string[];
  /** Each model's answer turns up to the judged one. */
  readonly answers: Readonly<Record<string, readonly string[]>>;
  readonly reply: string | null;
  readonly finish_reason: FinishReason | null;
  readonly prompt_tokens: number | null;
  readonly verdict: ScoreVerdict | PairVerdict | null;
  readonly status: JudgementStatus;
  readonly reason: string | null;
  readonly ms: number;
}

export function isScoreVerdict(verdict: ScoreVerdict | PairVerdict | null): verdict is ScoreVerdict {
  return verdict !== null && 'score' in verdict;
}

export function isPairVerdict(verdict: ScoreVerdict | PairVerdict | null): verdict is PairVerdict {
  return verdict !== null && 'winner' in verdict;
}
