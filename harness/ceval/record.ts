/** One C-Eval-style record per question: the JSONL line the runner appends and reports read. */
import type { FinishReason, RequestFailureInfo } from '../../engine/language-model.js';
import type { Extractor } from './answer-extraction.js';
import type { ChoiceLetter } from './dataset.js';
import type { CompatMode } from './opencompass/compat.js';
import type { QuestionOutcome } from './statistics.js';

export const CEVAL_RECORD_SCHEMA = 'gnomon.ceval.record.v1';
export const RECORDS_FILE = 'records.jsonl';

export type EvaluationMode = 'ppl' | 'gen';

export interface CevalRecord {
  readonly schema: typeof CEVAL_RECORD_SCHEMA;
  /** ceval, cmmlu or the custom set's name. */
  readonly dataset: string;
  readonly split: string;
  readonly subject: string;
  readonly id: string;
  /** 0-based data row in the subject's file. */
  readonly row: number;
  readonly mode: EvaluationMode;
  /** sha256 (12 hex) of the rendered prompt text. */
  readonly prompt_hash: string;
  /** The prompt exactly as rendered (special tokens as text; bos shown when it was added). */
  readonly prompt: string;
  readonly prompt_tokens: number;
  /**
   * ppl: natural-log probability of each letter after the prompt; under `--compat opencompass*`
   * the option's whole-sequence mean token log-prob (minus OpenCompass's mean loss).
   */
  readonly choices?: Readonly<Record<ChoiceLetter, number>>;
  /** gen: the generated text and why it stopped. */
  readonly output?: string;
  readonly finish_reason?: FinishReason;
  /** Which prompt/scoring produced the record (absent in records written before `--compat`: gnomon). */
  readonly compat?: CompatMode;
  /** Shots in the prompt (fewer than the run's when OpenCompass-style max_seq_len dropping removed some). */
  readonly shots?: number;
  /** gen: the extractor and its raw prediction (first-capital may return a non-option capital such as 'T'). */
  readonly extractor?: Extractor;
  readonly prediction?: string;
  /** gen with the option-sim extractor: the options' texts it compared with (so `--report` can rescore). */
  readonly option_texts?: Readonly<Record<ChoiceLetter, string>>;
  /** The chosen letter; null when the model gave none (gen) or the question was skipped. */
  readonly extracted: ChoiceLetter | null;
  /** null on unlabelled splits (C-Eval test). */
  readonly target: ChoiceLetter | null;
  /** null when there is no target or the question was skipped. */
  readonly correct: boolean | null;
  /** Tokens through the model for this question: prompt + scored or generated tokens. */
  readonly n_tokens: number;
  /** Wall time; a batch's time is shared evenly among its questions. */
  readonly ms: number;
  /** error: a served model did not answer after its retries (`error` says why); `--resume` runs it again. */
  readonly status: 'ok' | 'skipped' | 'error';
  readonly skip_reason?: string;
  readonly error?: RequestFailureInfo;
}

/** Resume key: a question is its subject and data row. */
export function recordKey(record: { readonly subject: string; readonly row: number }): string {
  return `${record.subject}#${record.row}`;
}

export function recordOutcome(record: CevalRecord): QuestionOutcome {
  return {
    subject: record.subject,
    status: record.status,
    correct: record.correct === true,
    noAnswer: record.status === 'ok' && record.mode === 'gen' && record.extracted === null,
  };
}
