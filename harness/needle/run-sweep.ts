/**
 * Runs a needle sweep: plans each cell, guards the context, generates greedily, scores, and appends
 * one flushed JSONL record per cell before starting the next, so a killed sweep loses only the cell
 * in flight and `--resume` skips every finished key.
 */
import { Interrupted } from '../cli/interrupt.js';
import { ModelRequestError, type LanguageModel } from '../../engine/language-model.js';
import type { ShardWork } from '../scale/shard.js';
import { finishedKeysRetryingErrors, readJsonl, RecordWriter, uniqueByKey } from '../records.js';
import { failureRecord } from '../request-failures.js';
import { cellSeed } from './cell-seed.js';
import { cellKey, gridCells, type GridCell, type NeedleGrid } from './grid.js';
import type { Haystack } from './haystack.js';
import { HaystackTokens } from './haystack-tokens.js';
import { checkLengths } from './length-check.js';
import { planNeedleBenchCell, scoreNeedleBench, type NeedleBenchPlan, type NeedleBenchSweep } from './needlebench/needlebench-cell.js';
import type { NeedleJudge } from './judge.js';
import { NEEDLE_SCHEMA, type NeedleRecord } from './needle-record.js';
import { planCell, type CellPlan, type PlanOptions } from './plan-cell.js';
import { scoreOutput } from './scoring.js';

export interface SweepOptions {
  readonly grid: NeedleGrid;
  readonly haystack: Haystack;
  readonly plan: PlanOptions;
  /** `<run dir>/records.jsonl`; finished keys in it are skipped. */
  readonly recordsFile: string;
  readonly judge?: NeedleJudge;
  /** `--compat needlebench`: NeedleBench's prompts and scorer instead of the project's. */
  readonly compat?: NeedleBenchSweep;
  /** Run only this shard's cells (`--shard I/N`); records go to `recordsFile`, the shard's file. */
  readonly shard?: ShardWork;
  /** Called after each record is written (progress lines). */
  readonly onRecord?: (record: NeedleRecord, done: number, total: number) => void;
}

export interface SweepResult {
  /** Every record in the file after the sweep (resumed ones included), in file order. */
  readonly records: NeedleRecord[];
  readonly ran: number;
  readonly skipped: number;
  /** Wall time of the sweep and its parts, for the bench. */
  readonly wallMs: number;
  readonly planMs: number;
  readonly generateMs: number;
  readonly sentenceEncodeMs: number;
}

export async function runNeedleSweep(model: LanguageModel, options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  // Error records are dropped so those cells run again (a served model's failed requests, say).
  const finished = finishedKeysRetryingErrors<NeedleRecord>(options.recordsFile, (record) => record.key);
  const writer = new RecordWriter<NeedleRecord>(options.recordsFile);
  const tokens = new HaystackTokens(options.haystack, model.tokenizer);
  if (!options.compat) await checkLengths(options.grid.lengths.filter((length) => length < 2 * model.info.contextLength), options.grid.depths, tokens, model.tokenizer, options.plan, options.grid.repeats, model.info.contextLength);
  // A shard's expected cost of a cell is its length target (cells refused unplanned cost nothing).
  const cells = options.shard
    ? options.shard.select(gridCells(options.grid), cellKey, (cell) => (cell.lengthTarget >= 2 * model.info.contextLength ? 1 : cell.lengthTarget))
    : gridCells(options.grid);
  let ran = 0;
  let planMs = 0;
  let generateMs = 0;
  for (const cell of cells) {
    if (finished.has(cellKey(cell))) continue;
    const record = await runCell(model, cell, tokens, options);
    planMs += record.timings.plan_ms;
    generateMs += record.timings.generate_ms;
    writer.append(record);
    ran += 1;
    options.onRecord?.(record, finished.size + ran, cells.length);
  }
  return {
    records: uniqueByKey(readJsonl<NeedleRecord>(options.recordsFile), (record) => record.key),
    ran,
    skipped: cells.length - ran,
    wallMs: performance.now() - started,
    planMs,
    generateMs,
    sentenceEncodeMs: tokens.encodeMs,
  };
}

async function runCell(model: LanguageModel, cell: GridCell, tokens: HaystackTokens, options: SweepOptions): Promise<NeedleRecord> {
  // A target of at least twice the context cannot fit however the planner rounds (it fills to
  // within a sentence of the target): refused without planning, since encoding a 32k-token prompt
  // for a 2k-token model would be most of a sweep's host time.
  const context = model.info.contextLength;
  if (!options.compat && cell.lengthTarget >= 2 * context) {
    return { ...unplannedRecord(cell, options, 0), status: 'exceeds_context', error: `length target ${cell.lengthTarget} tokens is at least twice the context ${context}: not planned` };
  }
  const planStarted = performance.now();
  let plan: CellPlan;
  let compatPlan: NeedleBenchPlan | undefined;
  try {
    if (options.compat) {
      compatPlan = await planNeedleBenchCell(cell, options.compat, model.tokenizer, options.plan.answerReserve);
      plan = compatPlan;
    } else {
      plan = await planCell(cell, tokens, model.tokenizer, options.plan);
    }
  } catch (error) {
    return failedPlanRecord(cell, options, error, performance.now() - planStarted);
  }
  const planMs = performance.now() - planStarted;
  const base = planRecord(plan, options);

  // Never truncate: a prompt that (with its answer reserve) does not fit the context is not run.
  if (plan.lengthActual > model.info.contextLength) {
    return {
      ...base,
      status: 'exceeds_context',
      error: `prompt ${plan.promptTokens} + answer reserve ${plan.answerReserve} tokens > context ${model.info.contextLength}`,
      timings: { plan_ms: planMs, generate_ms: 0, prefill_ms: 0, decode_ms: 0 },
    };
  }

  const prefillBefore = model.counters.prefillMs;
  const decodeBefore = model.counters.decodeMs;
  const generateStarted = performance.now();
  try {
    const result = await model.generate(plan.promptIds, { maxNewTokens: plan.answerReserve, stopTokenIds: model.tokenizer.stopTokenIds });
    const generateMs = performance.now() - generateStarted;
    const compatScore = options.compat && compatPlan ? scoreNeedleBench(options.compat, compatPlan, result.text) : undefined;
    const scored = compatScore ?? scoreOutput(plan.task, result.text);
    const judged = options.judge
      ? await options.judge.judge({ question: plan.task.question, expected: plan.task.expected, output: result.text, language: plan.task.language })
      : undefined;
    return {
      ...base,
      output: result.text,
      finish_reason: result.finishReason,
      matched: scored.matched,
      distractors_matched: scored.distractorsMatched,
      score: scored.score,
      ...(compatScore && options.compat ? { needlebench: { version: options.compat.version, task: options.compat.task, score: compatScore.needlebench, gold: compatPlan?.gold ?? '' } } : {}),
      status: 'ok',
      timings: { plan_ms: planMs, generate_ms: generateMs, prefill_ms: model.counters.prefillMs - prefillBefore, decode_ms: model.counters.decodeMs - decodeBefore },
      ...(judged && options.judge ? { judge: { name: options.judge.name, score: judged.score, ...(judged.rationale !== undefined ? { rationale: judged.rationale } : {}) } } : {}),
    };
  } catch (error) {
    // Ctrl-C stops the sweep; it is not the cell's failure.
    if (error instanceof Interrupted) throw error;
    return {
      ...base,
      status: 'error',
      error: errorText(error),
      ...(error instanceof ModelRequestError ? { request_error: failureRecord(error) } : {}),
      timings: { plan_ms: planMs, generate_ms: performance.now() - generateStarted, prefill_ms: model.counters.prefillMs - prefillBefore, decode_ms: model.counters.decodeMs - decodeBefore },
    };
  }
}

function planRecord(plan: CellPlan, options: SweepOptions): NeedleRecord {
  return {
    schema: NEEDLE_SCHEMA,
    key: plan.key,
    task: plan.task.kind,
    language: plan.task.language,
    haystack: options.haystack.name,
    repeat: plan.cell.repeat,
    seed: plan.seed,
    length_target: plan.cell.lengthTarget,
    length_actual: plan.lengthActual,
    prompt_tokens: plan.promptTokens,
    answer_reserve: plan.answerReserve,
    depth_target: plan.cell.depthTarget,
    depth_actual: plan.depthActual,
    needle: plan.placements[0]?.text ?? null,
    depth_flagged: plan.depthFlagged,
    needles: plan.placements.map((fact) => ({
      text: fact.text, key: fact.key, value: fact.value, role: fact.role, depth_target: fact.depthTarget, depth_actual: fact.depthActual, placement: fact.method,
      ...neighbourhood(plan.promptText, fact.text),
    })),
    question: plan.task.question,
    expected: plan.task.expected,
    output: null,
    finish_reason: null,
    matched: [],
    distractors_matched: [],
    score: null,
    status: 'ok',
    prompt_hash: plan.promptHash,
    haystack_start: plan.haystackStart,
    haystack_sentences: plan.haystackSentences,
    haystack_tokens: plan.haystackTokens,
    haystack_wrapped: plan.haystackWrapped,
    timings: { plan_ms: 0, generate_ms: 0, prefill_ms: 0, decode_ms: 0 },
  };
}

/** The prompt text around a needle (the report's cell view); empty when the needle is not found verbatim. */
function neighbourhood(prompt: string, text: string, span = 160): { context_before: string; context_after: string } {
  const at = prompt.indexOf(text);
  if (at < 0) return { context_before: '', context_after: '' };
  return { context_before: prompt.slice(Math.max(0, at - span), at), context_after: prompt.slice(at + text.length, at + text.length + span) };
}

function failedPlanRecord(cell: GridCell, options: SweepOptions, error: unknown, planMs: number): NeedleRecord {
  return { ...unplannedRecord(cell, options, planMs), status: 'error', error: errorText(error) };
}

/** A cell's record without a plan: the grid's coordinates, nulls for everything planning decides. */
function unplannedRecord(cell: GridCell, options: SweepOptions, planMs: number): NeedleRecord {
  return {
    schema: NEEDLE_SCHEMA,
    key: cellKey(cell),
    task: options.plan.task.kind,
    language: options.plan.language ?? options.haystack.language,
    haystack: options.haystack.name,
    repeat: cell.repeat,
    seed: cellSeed(options.plan.globalSeed, cell.lengthTarget, cell.depthTarget, cell.repeat),
    length_target: cell.lengthTarget,
    length_actual: null,
    prompt_tokens: null,
    answer_reserve: options.plan.answerReserve,
    depth_target: cell.depthTarget,
    depth_actual: null,
    needle: null,
    needles: [],
    question: null,
    expected: [],
    output: null,
    finish_reason: null,
    matched: [],
    distractors_matched: [],
    score: null,
    status: 'error',
    prompt_hash: null,
    haystack_start: null,
    haystack_sentences: null,
    haystack_wrapped: null,
    timings: { plan_ms: planMs, generate_ms: 0, prefill_ms: 0, decode_ms: 0 },
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
