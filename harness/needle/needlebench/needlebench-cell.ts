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
import type { HaystackLine, NeedleBenchNeedle } from './needlebench-data.js';
import { buildOriginCell, LineTokens, type NeedleBenchLanguageCode } from './needlebench-origin.js';
import { scoreOrigin } from './needlebench-score.js';

export interface NeedleBenchSweep {
  readonly version: NeedleBenchVersion;
  readonly language: NeedleBenchLanguageCode;
  readonly lengthBuffer: number;
  readonly haystackFile: string;
  readonly haystack: readonly HaystackLine[];
  readonly needles: readonly NeedleBenchNeedle[];
  readonly lineTokens: LineTokens;
}

export interface NeedleBenchPlan extends CellPlan {
  /** NeedleBench's gold string (needle*keyword), what its evaluator scores against. */
  readonly gold: string;
}

export async function planNeedleBenchCell(cell: GridCell, sweep: NeedleBenchSweep, tokenizer: TextTokenizer, answerReserve: number): Promise<NeedleBenchPlan> {
  if (!Number.isInteger(cell.depthTarget)) {
    throw new UserError(`--depths ${cell.depthTarget}: NeedleBench depths are whole percents`, 'its configs pass int(depth_percent); use whole numbers');
  }
  const built = buildOriginCell({ version: sweep.version, language: sweep.language, length: cell.lengthTarget, depth: cell.depthTarget, counter: cell.repeat, lengthBuffer: sweep.lengthBuffer }, sweep.haystack, sweep.needles, sweep.lineTokens);
  if (built.contextTokens < built.targetTokens) {
    throw new UserError(
      `${sweep.haystackFile} holds ${built.contextTokens} cl100k tokens, fewer than the ${built.targetTokens} a ${cell.lengthTarget}-token cell needs`,
      'NeedleBench would silently use the shorter context; use a longer haystack file or shorter lengths',
    );
  }
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

/** NeedleBench's evaluator score (0–100) and the same as a fraction for the heatmap. */
export function scoreNeedleBench(version: NeedleBenchVersion, plan: NeedleBenchPlan, output: string): NeedleScore & { readonly needlebench: number } {
  const scored = scoreOrigin(version, output, plan.gold);
  return { score: scored.score / 100, needlebench: scored.score, matched: scored.keywordFound ? plan.task.expected : [], distractorsMatched: [] };
}
