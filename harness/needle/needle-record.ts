/** One JSONL line per cell × repeat (DESIGN.md: needle records). Field names are snake_case, as written. */
import type { FinishReason, RequestFailureInfo } from '../../engine/language-model.js';
import type { NeedleTaskKind } from './tasks.js';

export const NEEDLE_SCHEMA = 'gnomon.needle/1';

/** `exceeds_context`: the prompt plus answer reserve is longer than the model's context; not run. */
export type CellStatus = 'ok' | 'exceeds_context' | 'error';

export interface NeedleRecordFact {
  readonly text: string;
  readonly key: string;
  readonly value: string;
  readonly role: 'answer' | 'link' | 'distractor';
  readonly depth_target: number;
  readonly depth_actual: number;
  /** On a sentence boundary, or inside a sentence at a token position (needle-placement.ts). */
  readonly placement?: 'sentence' | 'token';
  /** Up to 160 characters of the prompt before and after the fact, for the report's cell view. */
  readonly context_before?: string;
  readonly context_after?: string;
}

export interface NeedleRecord {
  readonly schema: typeof NEEDLE_SCHEMA;
  /** `length:depth:repeat`, the resume key. */
  readonly key: string;
  readonly task: NeedleTaskKind;
  readonly language: 'en' | 'zh';
  readonly haystack: string;
  readonly repeat: number;
  /** The cell's seed (hash of global seed, length, depth, repeat). */
  readonly seed: string;
  readonly length_target: number;
  /** prompt_tokens + answer_reserve; null when planning failed. */
  readonly length_actual: number | null;
  readonly prompt_tokens: number | null;
  readonly answer_reserve: number;
  readonly depth_target: number;
  readonly depth_actual: number | null;
  /**
   * Some needle missed its target depth by more than the tolerance (1 point): the heatmap marks the
   * cell and the effective length leaves it out. Absent in records written before the flag existed.
   */
  readonly depth_flagged?: boolean;
  /** The cell's needle (the first placed fact). */
  readonly needle: string | null;
  readonly needles: readonly NeedleRecordFact[];
  readonly question: string | null;
  readonly expected: readonly string[];
  readonly output: string | null;
  readonly finish_reason: FinishReason | null;
  readonly matched: readonly string[];
  readonly distractors_matched: readonly string[];
  /** In [0, 1]; null unless status is ok. */
  readonly score: number | null;
  readonly status: CellStatus;
  readonly error?: string;
  /** A served model's request that failed after its retries: HTTP status, attempts, message. */
  readonly request_error?: RequestFailureInfo;
  readonly prompt_hash: string | null;
  readonly haystack_start: number | null;
  readonly haystack_sentences: number | null;
  /** Tokens of haystack text in the prompt (needles, template and question excluded). */
  readonly haystack_tokens?: number | null;
  readonly haystack_wrapped: boolean | null;
  readonly timings: {
    readonly plan_ms: number;
    readonly generate_ms: number;
    /** From the model's counters: time in prefill and decode during this cell. */
    readonly prefill_ms: number;
    readonly decode_ms: number;
  };
  /** `--compat needlebench`: NeedleBench's own score (0–100) of the output and the gold it scored against; `score` is it / 100. */
  readonly needlebench?: { readonly version: 'v1' | 'v2'; readonly task?: 'single' | 'multi-reasoning'; readonly score: number; readonly gold: string };
  readonly judge?: { readonly name: string; readonly score: number; readonly rationale?: string };
}
