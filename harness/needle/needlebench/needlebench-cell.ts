/**
 * `--compat needlebench` cells for the sweep: NeedleBench's prompt (needlebench-origin.ts) sent to
 * the model as one user turn — through its chat template where it has one, as OpenCompass's HUMAN
 * round is, else as plain text — and scored by NeedleBench's evaluator of the chosen version.
 *
 * Lengths and depths are NeedleBench's: `length` in cl100k tokens (what it calls 4000 is about 4000
 * GPT-4 tokens, whatever the model's tokenizer makes of it), depth the whole percent at which the
 * needle's tokens go in. The model's own token count of the prompt is recorded beside it; a prompt
 * over the model's context is marked `exceeds_context` and not run. OpenCompass would cut such a
 * prompt to fit (its models truncate long inputs); gnomon refuses, since a cut prompt may have lost
 * its needle or its question.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../engine/language-model.js';
import type { TextTokenizer } from '../../../engine/language-model.js';
import { cellKey, type GridCell } from '../grid.js';
import { DEPTH_TOLERANCE } from '../needle-placement.js';
import type { CellPlan } from '../plan-cell.js';
import { encodePrompt } from '../prompt.js';
import type { NeedleScore } from '../scoring.js';
import type { NeedleBenchVersion } from './needlebench-config.js';
import type { HaystackLine, NeedleBenchNeedle, ReasoningRecord } from './needlebench-data.js';
import { buildOriginCell, LineTokens, type NeedleBenchLanguageCode } from './needlebench-origin.js';
import { buildMultiReasoningCell, type ReasoningSource } from './needlebench-multi.js';
import { scoreMultiReasoning, scoreOrigin, scoreV1MultiReasoning } from './needlebench-score.js';

export interface NeedleBenchSweep {
  readonly version: NeedleBenchVersion;
  /** Single-needle retrieval (origin) or v2 multi-needle reasoning (kinship chains from names.json). */
  readonly task: 'single' | 'multi-reasoning';
  /** Multi-reasoning: kinship sentences per cell (NeedleBench's num_needles, 2–5 in its configs). */
  readonly chainNeedles: number;
  /** v2 multi-reasoning: names.json's lists. */
  readonly names?: { readonly en: readonly string[]; readonly zh: readonly string[] };
  /** v1 multi-reasoning: multi_needle_reasoning_{language}.json. */
  readonly reasoningRecords?: readonly ReasoningRecord[];
  readonly language: NeedleBenchLanguageCode;
  readonly lengthBuffer: number;
  readonly haystackFile: string;
  readonly haystack: readonly HaystackLine[];
  readonly needles: readonly NeedleBenchNeedle[];
  readonly lineTokens: LineTokens;
}

export interface NeedleBenchPlan extends CellPlan {
  /** What NeedleBench's evaluator scores against: `needle*keyword` (single) or the eldest name (multi-reasoning). */
  readonly gold: string;
}

/** Multi-needle reasoning: the kinship chain in the haystack, the question for the eldest relative. */
function planMultiReasoning(cell: GridCell, sweep: NeedleBenchSweep): Omit<NeedleBenchPlan, 'promptText' | 'promptIds' | 'promptHash' | 'promptTokens' | 'answerReserve' | 'lengthActual'> & { readonly prompt: string; readonly targetTokens: number } {
  const source: ReasoningSource = sweep.version === 'v2' ? { version: 'v2', names: sweep.names?.[sweep.language] ?? [] } : { version: 'v1', records: sweep.reasoningRecords ?? [] };
  const built = buildMultiReasoningCell({ language: sweep.language, length: cell.lengthTarget, depth: cell.depthTarget, counter: cell.repeat, lengthBuffer: sweep.lengthBuffer, needles: sweep.chainNeedles, diff: 10 }, sweep.haystack, source, sweep.lineTokens);
  const facts = built.needles.map((needle, index) => ({
    text: needle.trim(), key: needle.trim(), value: built.answer, role: needle.includes(built.answer) ? 'answer' as const : 'link' as const,
    depthTarget: Math.min(100, cell.depthTarget + 10 * index),
  }));
  return {
    key: cellKey(cell), cell, seed: `needlebench:${sweep.version}:counter=${cell.repeat}`,
    task: { kind: 'multi-reasoning', language: sweep.language, facts, question: built.question, expected: [built.answer], distractorValues: [] },
    placements: facts.map((fact, index) => ({ ...fact, boundary: 0, offset: 0, method: 'token' as const, depthActual: built.depthsActual[index] ?? 0 })),
    depthActual: built.depthsActual[0] ?? 0,
    // NeedleBench spaces later needles by its own formula; only the first is placed at the cell's depth.
    depthFlagged: Math.abs((built.depthsActual[0] ?? 0) - cell.depthTarget) > DEPTH_TOLERANCE,
    haystackSentences: built.linesUsed, haystackTokens: built.contextTokens, haystackStart: 0, haystackWrapped: false,
    gold: built.answer, prompt: built.prompt, targetTokens: built.targetTokens,
  };
}

export async function planNeedleBenchCell(cell: GridCell, sweep: NeedleBenchSweep, tokenizer: TextTokenizer, answerReserve: number): Promise<NeedleBenchPlan> {
  if (!Number.isInteger(cell.depthTarget)) {
    throw new UserError(`--depths ${cell.depthTarget}: NeedleBench depths are whole percents`, 'its configs pass int(depth_percent); use whole numbers');
  }
  if (sweep.task === 'multi-reasoning') {
    const { prompt, targetTokens, ...plan } = planMultiReasoning(cell, sweep);
    if (plan.haystackTokens < targetTokens) throw shortHaystack(sweep, plan.haystackTokens, targetTokens, cell.lengthTarget);
    const text = tokenizer.hasChatTemplate ? tokenizer.renderChat([{ role: 'user', content: prompt }], true) : prompt;
    const ids = await encodePrompt(tokenizer, text);
    return { ...plan, promptText: text, promptIds: ids, promptHash: createHash('sha256').update(text).digest('hex').slice(0, 16), promptTokens: ids.length, answerReserve, lengthActual: ids.length + answerReserve };
  }
  const built = buildOriginCell({ version: sweep.version, language: sweep.language, length: cell.lengthTarget, depth: cell.depthTarget, counter: cell.repeat, lengthBuffer: sweep.lengthBuffer }, sweep.haystack, sweep.needles, sweep.lineTokens);
  if (built.contextTokens < built.targetTokens) throw shortHaystack(sweep, built.contextTokens, built.targetTokens, cell.lengthTarget);
  const text = tokenizer.hasChatTemplate ? tokenizer.renderChat([{ role: 'user', content: built.prompt }], true) : built.prompt;
  const ids = await encodePrompt(tokenizer, text);
  const needle = built.needle.trim();
  const fact = { text: needle, key: built.retrievalQuestion, value: built.keyword, role: 'answer' as const, depthTarget: cell.depthTarget };
  return {
    key: cellKey(cell),
    cell,
    seed: `needlebench:${sweep.version}:counter=${cell.repeat}`,
    task: { kind: 'single', language: sweep.language, facts: [fact], question: built.retrievalQuestion, expected: [built.keyword], distractorValues: [] },
    placements: [{ ...fact, boundary: 0, offset: built.insertionPoint, method: 'token', depthActual: built.depthActual }],
    promptText: text,
    promptIds: ids,
    promptHash: createHash('sha256').update(text).digest('hex').slice(0, 16),
    promptTokens: ids.length,
    answerReserve,
    lengthActual: ids.length + answerReserve,
    depthActual: built.depthActual,
    depthFlagged: Math.abs(built.depthActual - cell.depthTarget) > DEPTH_TOLERANCE,
    haystackSentences: built.linesUsed,
    haystackTokens: built.contextTokens,
    haystackStart: 0,
    haystackWrapped: false,
    gold: built.gold,
  };
}

function shortHaystack(sweep: NeedleBenchSweep, got: number, needed: number, length: number): UserError {
  return new UserError(
    `${sweep.haystackFile} holds ${got} cl100k tokens, fewer than the ${needed} a ${length}-token cell needs`,
    'NeedleBench would silently use the shorter context; use a longer haystack file or shorter lengths',
  );
}

/** NeedleBench's evaluator score (0–100) and the same as a fraction for the heatmap. */
export function scoreNeedleBench(sweep: NeedleBenchSweep, plan: NeedleBenchPlan, output: string): NeedleScore & { readonly needlebench: number } {
  if (sweep.task === 'multi-reasoning') {
    const score = sweep.version === 'v2' ? scoreMultiReasoning(output, plan.gold).score : scoreV1MultiReasoning(output, plan.gold);
    return { score: score / 100, needlebench: score, matched: score === 100 ? plan.task.expected : [], distractorsMatched: [] };
  }
  const scored = scoreOrigin(sweep.version, output, plan.gold);
  return { score: scored.score / 100, needlebench: scored.score, matched: scored.keywordFound ? plan.task.expected : [], distractorsMatched: [] };
}
