/**
 * The judgements a run makes, in a fixed order (pure: the same inputs give the same plan, so a
 * resumed run skips exactly the finished keys).
 * - score: every answer source × question × judged turn × repeat.
 * - pairwise: every candidate against `--baseline` (OpenCompass's m2n; FastChat's pairwise-baseline),
 *   or every pair of sources when there is no baseline (FastChat's pairwise-all); each pair shown in
 *   both orders by default (OpenCompass's infer_order="double", FastChat's g1/g2 games).
 */
import type { PairOrder } from './record.js';
import type { SubjectiveMode, SubjectivePreset } from './presets.js';
import type { SubjectiveQuestion } from './question-set.js';

export interface PlannedJudgement {
  readonly key: string;
  readonly mode: SubjectiveMode;
  readonly question: SubjectiveQuestion;
  readonly turn: number;
  readonly candidate: string;
  readonly opponent: string | null;
  readonly order: PairOrder | null;
  readonly repeat: number;
}

export interface PlanSettings {
  readonly mode: SubjectiveMode;
  /** Answer sources in the order given (candidates first, baseline excluded). */
  readonly models: readonly string[];
  readonly baseline: string | null;
  readonly orders: readonly PairOrder[];
  readonly repeats: number;
}

export function judgementKey(mode: SubjectiveMode, candidate: string, opponent: string | null, questionId: string, turn: number, order: PairOrder | null, repeat: number): string {
  return mode === 'score' ? `score|${candidate}|${questionId}|${turn}|${repeat}` : `pair|${candidate}|${opponent ?? ''}|${questionId}|${turn}|${order ?? ''}|${repeat}`;
}

/** Candidate/opponent pairs: each model against the baseline, or all pairs in the given order. */
export function modelPairs(models: readonly string[], baseline: string | null): [string, string][] {
  if (baseline !== null) return models.filter((m) => m !== baseline).map((m) => [m, baseline]);
  const pairs: [string, string][] = [];
  for (let i = 0; i < models.length; i += 1) for (let j = i + 1; j < models.length; j += 1) pairs.push([models[i] as string, models[j] as string]);
  return pairs;
}

export function planJudgements(preset: SubjectivePreset, settings: PlanSettings): PlannedJudgement[] {
  const plan: PlannedJudgement[] = [];
  for (const question of preset.set.questions) {
    for (const turn of preset.judgedTurns(question)) {
      for (let repeat = 0; repeat < settings.repeats; repeat += 1) {
        if (settings.mode === 'score') {
          for (const candidate of settings.models) {
            plan.push({ key: judgementKey('score', candidate, null, question.id, turn, null, repeat), mode: 'score', question, turn, candidate, opponent: null, order: null, repeat });
          }
        } else {
          for (const [candidate, opponent] of modelPairs(settings.models, settings.baseline)) {
            for (const order of settings.orders) {
              plan.push({ key: judgementKey('pairwise', candidate, opponent, question.id, turn, order, repeat), mode: 'pairwise', question, turn, candidate, opponent, order, repeat });
            }
          }
        }
      }
    }
  }
  return plan;
}
