/**
 * The presets of record: which questions, which turns are judged, how a judge prompt is rendered and
 * how its reply is read, per source.
 * - `mtbench`: FastChat llm_judge — single grading (1–10, `[[rating]]`) or pairwise (`[[A]]/[[B]]/[[C]]`),
 *   turns 1 and 2, references for math/reasoning/coding.
 * - `alignbench`: AlignBench's multi-dimension judge — score mode only (OpenCompass runs it as
 *   `singlescore`), one turn, reference always, the rating dict.
 */
import { UserError } from '../../engine/language-model.js';
import { alignbenchPrompt, loadAlignbench } from './alignbench.js';
import { parseAlignbenchRating, parseMtBenchRating, parseMtBenchVerdict, type PairWinner, type ParsedReply } from './judge-replies.js';
import { loadMtBench, mtbenchPairPrompt, mtbenchScorePrompt, type RenderedJudgePrompt } from './mtbench.js';
import type { SubjectiveQuestion, SubjectiveQuestionSet } from './question-set.js';

export type SubjectiveMode = 'score' | 'pairwise';
export type PresetName = 'mtbench' | 'alignbench';
export const PRESET_NAMES: readonly PresetName[] = ['mtbench', 'alignbench'];

export interface ScoreVerdict {
  readonly score: number;
  /** AlignBench: the rating dict (dimension → 0–10). */
  readonly dimensions?: Readonly<Record<string, number>>;
}

export interface SubjectivePreset {
  readonly name: PresetName;
  readonly set: SubjectiveQuestionSet;
  readonly modes: readonly SubjectiveMode[];
  /** Score scale, for reports. */
  readonly scale: { readonly min: number; readonly max: number };
  judgedTurns(question: SubjectiveQuestion): number[];
  scorePrompt(question: SubjectiveQuestion, answer: readonly string[], turn: number): RenderedJudgePrompt;
  pairPrompt(question: SubjectiveQuestion, answerA: readonly string[], answerB: readonly string[], turn: number): RenderedJudgePrompt;
  parseScore(reply: string): ParsedReply<ScoreVerdict>;
  parsePair(reply: string): ParsedReply<PairWinner>;
}

function mtbenchPreset(dataDir: string): SubjectivePreset {
  const { set, templates } = loadMtBench(dataDir);
  return {
    name: 'mtbench', set, modes: ['score', 'pairwise'], scale: { min: 1, max: 10 },
    // FastChat's make_match_* with multi_turn=True skips questions without exactly two turns.
    judgedTurns: (question) => (question.turns.length === 2 ? [1, 2] : [1]),
    scorePrompt: (question, answer, turn) => mtbenchScorePrompt(templates, question, answer, turn),
    pairPrompt: (question, a, b, turn) => mtbenchPairPrompt(templates, question, a, b, turn),
    parseScore: (reply) => {
      const parsed = parseMtBenchRating(reply);
      return parsed.ok ? { ok: true, value: { score: parsed.value } } : parsed;
    },
    parsePair: parseMtBenchVerdict,
  };
}

function alignbenchPreset(dataDir: string): SubjectivePreset {
  const { set, config } = loadAlignbench(dataDir);
  return {
    name: 'alignbench', set, modes: ['score'], scale: { min: 0, max: 10 },
    judgedTurns: () => [1],
    scorePrompt: (question, answer) => alignbenchPrompt(config, question, answer[0] ?? ''),
    pairPrompt: () => {
      throw new UserError('alignbench has no pairwise judge prompt', 'run --preset alignbench --mode score (OpenCompass runs AlignBench as singlescore)');
    },
    parseScore: (reply) => {
      const parsed = parseAlignbenchRating(reply);
      return parsed.ok ? { ok: true, value: { score: parsed.value.score, dimensions: parsed.value.dimensions } } : parsed;
    },
    parsePair: () => ({ ok: false, reason: 'alignbench has no pairwise verdicts' }),
  };
}

export function openPreset(name: PresetName, dataDir: string): SubjectivePreset {
  return name === 'mtbench' ? mtbenchPreset(dataDir) : alignbenchPreset(dataDir);
}
