/** Hand-made subjective records for statistics and report tests. */
import { SUBJECTIVE_RECORD_SCHEMA, type PairOrder, type SubjectiveRecord } from '../../../harness/subjective/record.js';
import type { PresetName, ScoreVerdict } from '../../../harness/subjective/presets.js';

export function scoreRecord(model: string, questionId: string, category: string, turn: number, verdict: ScoreVerdict | 'parse_failure' | 'skipped', preset: PresetName = 'mtbench'): SubjectiveRecord {
  const status = typeof verdict === 'string' ? verdict : 'ok';
  return {
    schema: SUBJECTIVE_RECORD_SCHEMA, key: `score|${model}|${questionId}|${turn}|0`, preset, mode: 'score', question_id: questionId, category, subcategory: null, turn,
    models: [model], candidate: model, opponent: null, order: null, repeat: 0, judge: 'judge', judge_template: 'single-v1', prompt_hash: 'h',
    system_prompt: 'sys', user_prompt: `grade ${questionId}`, question: [`question ${questionId} <b>bold</b>`], answers: { [model]: [`answer of ${model}`] },
    reply: status === 'skipped' ? null : status === 'ok' ? `Rating: [[${(verdict as ScoreVerdict).score}]]` : 'no idea',
    finish_reason: status === 'skipped' ? null : 'stop_token', prompt_tokens: 10,
    verdict: typeof verdict === 'string' ? null : verdict, status, reason: status === 'ok' ? null : status === 'skipped' ? 'no answer' : 'no [[rating]] (nor [rating]) in the reply', ms: 1,
  };
}

/** A pairwise record: `letter` is the judge's verdict, `order` AB shows the candidate as A. */
export function pairRecord(candidate: string, opponent: string, questionId: string, order: PairOrder, letter: 'A' | 'B' | 'tie' | 'parse_failure', category = 'writing', answers?: Record<string, string>): SubjectiveRecord {
  const models = order === 'AB' ? [candidate, opponent] : [opponent, candidate];
  const ok = letter !== 'parse_failure';
  return {
    schema: SUBJECTIVE_RECORD_SCHEMA, key: `pair|${candidate}|${opponent}|${questionId}|1|${order}|0`, preset: 'mtbench', mode: 'pairwise', question_id: questionId, category, subcategory: null, turn: 1,
    models, candidate, opponent, order, repeat: 0, judge: 'judge', judge_template: 'pair-v2', prompt_hash: 'h', system_prompt: 'sys', user_prompt: `compare ${questionId}`,
    question: [`question ${questionId}`], answers: Object.fromEntries(models.map((m) => [m, [answers?.[m] ?? `answer of ${m}`]])),
    reply: ok ? `[[${letter === 'tie' ? 'C' : letter}]]` : 'hmm', finish_reason: 'stop_token', prompt_tokens: 10,
    verdict: ok ? { winner: letter, winner_model: letter === 'tie' ? null : letter === 'A' ? (models[0] as string) : (models[1] as string) } : null,
    status: ok ? 'ok' : 'parse_failure', reason: ok ? null : 'no [[A]], [[B]] or [[C]] in the reply', ms: 1,
  };
}
