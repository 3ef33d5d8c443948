/**
 * The numbers a subjective run reports, computed from its records alone.
 * Score mode: mean judge score per model, per category and per turn, with seeded bootstrap 95%
 * intervals over questions (a question's judgements — both turns, all repeats — move together);
 * AlignBench's group scores (中文推理, 中文语言: the mean of their category means; 总分: the mean
 * of the two) with category-stratified resampling; the mean of each rating dimension.
 * Pairwise mode: each (candidate, opponent, question, turn, repeat) becomes one outcome from its
 * verdicts in both orders — the same winner twice is that winner; a verdict that flips with the order
 * is a tie (counted as "inconsistent"); a parse failure or skip in either order leaves the pair out,
 * counted. Win rate three ways, Bradley–Terry ratings with bootstrap intervals.
 * Diagnostics: parse-failure rate, position consistency, share of decisive verdicts won by the
 * longer answer.
 */
import { ALIGNBENCH_GROUPS } from './alignbench.js';
import { bootstrapInterval, mean, mulberry32, percentile, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js';
import { fitBradleyTerry, type PairOutcome } from './bradley-terry.js';
import { isPairVerdict, isScoreVerdict, type SubjectiveRecord } from './record.js';

export interface ScoreCell {
  readonly mean: number;
  /** Judgements with a score. */
  readonly n: number;
  readonly interval: BootstrapInterval | null;
}

export interface ModelScores {
  readonly model: string;
  readonly overall: ScoreCell;
  readonly byCategory: ReadonlyMap<string, ScoreCell>;
  readonly byTurn: ReadonlyMap<number, ScoreCell>;
  /** AlignBench groups and 总分 (empty for other presets). */
  readonly groups: ReadonlyMap<string, ScoreCell>;
  readonly dimensions: ReadonlyMap<string, { readonly mean: number; readonly n: number }>;
  readonly parseFailures: number;
  readonly skipped: number;
  readonly judged: number;
}

type Unit = readonly number[];

function cell(units: readonly Unit[], options: BootstrapOptions): ScoreCell {
  const scores = units.flat();
  const statistic = (sample: readonly (readonly Unit[])[]): number => mean((sample[0] ?? []).flat());
  return { mean: mean(scores), n: scores.length, interval: scores.length === 0 ? null : bootstrapInterval([units], statistic, options) };
}

/** Question id → its scores, for the records passing `keep`. */
function unitsOf(records: readonly SubjectiveRecord[], keep: (r: SubjectiveRecord) => boolean): Unit[] {
  const byQuestion = new Map<string, number[]>();
  for (const r of records) {
    if (!keep(r) || r.status !== 'ok' || !isScoreVerdict(r.verdict)) continue;
    const list = byQuestion.get(r.question_id) ?? [];
    list.push(r.verdict.score);
    byQuestion.set(r.question_id, list);
  }
  return [...byQuestion.values()];
}

/** Mean of category means per group, and 总分 as the mean of the group scores (AlignBench). */
function groupScore(categoryUnits: ReadonlyMap<string, readonly Unit[]>, categories: readonly string[]): number {
  return mean(categories.map((c) => mean((categoryUnits.get(c) ?? []).flat())));
}

function alignbenchGroups(byCategory: ReadonlyMap<string, readonly Unit[]>, options: BootstrapOptions): Map<string, ScoreCell> {
  const groups = new Map<string, ScoreCell>();
  const allCategories = ALIGNBENCH_GROUPS.flatMap((g) => g.categories).filter((c) => byCategory.has(c));
  const strata = allCategories.map((c) => byCategory.get(c) ?? []);
  const resampled = (sample: readonly (readonly Unit[])[]): Map<string, readonly Unit[]> => new Map(allCategories.map((c, i) => [c, sample[i] ?? []]));
  const overall = (units: ReadonlyMap<string, readonly Unit[]>): number => mean(ALIGNBENCH_GROUPS.map((g) => groupScore(units, g.categories)));
  for (const group of ALIGNBENCH_GROUPS) {
    const value = groupScore(byCategory, group.categories);
    const n = group.categories.reduce((sum, c) => sum + (byCategory.get(c) ?? []).flat().length, 0);
    groups.set(group.name, { mean: value, n, interval: Number.isFinite(value) ? bootstrapInterval(strata, (s) => groupScore(resampled(s), group.categories), options) : null });
  }
  const total = overall(byCategory);
  const n = [...byCategory.values()].reduce((sum, units) => sum + units.flat().length, 0);
  groups.set('总分', { mean: total, n, interval: Number.isFinite(total) ? bootstrapInterval(strata, (s) => overall(resampled(s)), options) : null });
  return groups;
}

export function scoreSummary(records: readonly SubjectiveRecord[], options: BootstrapOptions): ModelScores[] {
  const models = [...new Set(records.filter((r) => r.mode === 'score').map((r) => r.candidate))];
  return models.map((model) => {
    const mine = records.filter((r) => r.mode === 'score' && r.candidate === model);
    const categories = [...new Set(mine.map((r) => r.category))];
    const turns = [...new Set(mine.map((r) => r.turn))].sort((a, b) => a - b);
    const categoryUnits = new Map(categories.map((c) => [c, unitsOf(mine, (r) => r.category === c)]));
    const dimensions = new Map<string, { sum: number; n: number }>();
    for (const r of mine) {
      if (r.status !== 'ok' || !isScoreVerdict(r.verdict) || !r.verdict.dimensions) continue;
      for (const [key, value] of Object.entries(r.verdict.dimensions)) {
        const d = dimensions.get(key) ?? { sum: 0, n: 0 };
        dimensions.set(key, { sum: d.sum + value, n: d.n + 1 });
      }
    }
    return {
      model,
      overall: cell(unitsOf(mine, () => true), options),
      byCategory: new Map(categories.map((c) => [c, cell(categoryUnits.get(c) ?? [], options)])),
      byTurn: new Map(turns.map((t) => [t, cell(unitsOf(mine, (r) => r.turn === t), options)])),
      groups: mine[0]?.preset === 'alignbench' ? alignbenchGroups(categoryUnits, options) : new Map(),
      dimensions: new Map([...dimensions].map(([key, d]) => [key, { mean: d.sum / d.n, n: d.n }])),
      parseFailures: mine.filter((r) => r.status === 'parse_failure').length,
      skipped: mine.filter((r) => r.status === 'skipped').length,
      judged: mine.filter((r) => r.status === 'ok' || r.status === 'parse_failure').length,
    };
  });
}

export type PairResult = 'win' | 'loss' | 'tie';

export interface CombinedOutcome {
  readonly candidate: string;
  readonly opponent: string;
  readonly questionId: string;
  readonly category: string;
  readonly turn: number;
  readonly repeat: number;
  /** null: left out (a parse failure or skip in one of its orders). */
  readonly result: PairResult | null;
  /** Both orders read and they disagreed (the result is then a tie). */
  readonly inconsistent: boolean;
  readonly failed: 'parse_failure' | 'skipped' | null;
}

function resultOf(record: SubjectiveRecord): PairResult | null {
  if (record.status !== 'ok' || !isPairVerdict(record.verdict)) return null;
  if (record.verdict.winner_model === null) return 'tie';
  return record.verdict.winner_model === record.candidate ? 'win' : 'loss';
}

export function combineOrders(records: readonly SubjectiveRecord[]): CombinedOutcome[] {
  const groups = new Map<string, SubjectiveRecord[]>();
  for (const r of records) {
    if (r.mode !== 'pairwise') continue;
    const key = `${r.candidate}|${r.opponent ?? ''}|${r.question_id}|${r.turn}|${r.repeat}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => {
    const first = list[0] as SubjectiveRecord;
    const base = { candidate: first.candidate, opponent: first.opponent ?? '', questionId: first.question_id, category: first.category, turn: first.turn, repeat: first.repeat };
    if (list.some((r) => r.status === 'parse_failure')) return { ...base, result: null, inconsistent: false, failed: 'parse_failure' as const };
    if (list.some((r) => r.status !== 'ok')) return { ...base, result: null, inconsistent: false, failed: 'skipped' as const };
    const results = list.map(resultOf);
    const agree = results.every((r) => r === results[0]);
    return { ...base, result: agree ? (results[0] as PairResult) : 'tie', inconsistent: !agree, failed: null };
  });
}

export interface WinRates {
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
  /** Ties from order flips (included in `ties`). */
  readonly inconsistent: number;
  readonly parseFailures: number;
  readonly skipped: number;
  /** wins / (wins + ties + losses): FastChat's win_rate, OpenCompass's default (a tie scores 0). */
  readonly winRate: number;
  /** (wins + ties/2) / all: FastChat's win_rate_adjusted, OpenCompass's half_add. */
  readonly winRateTiesHalf: number;
  /** wins / (wins + losses): ties left out. */
  readonly winRateDecisive: number;
  /** Bootstrap interval of winRateTiesHalf over questions. */
  readonly interval: BootstrapInterval | null;
}

const tieHalf = (outcomes: readonly CombinedOutcome[]): number => {
  const scored = outcomes.filter((o) => o.result !== null);
  return scored.length === 0 ? Number.NaN : scored.reduce((sum, o) => sum + (o.result === 'win' ? 1 : o.result === 'tie' ? 0.5 : 0), 0) / scored.length;
};

export function winRates(outcomes: readonly CombinedOutcome[], options: BootstrapOptions): WinRates {
  const count = (result: PairResult): number => outcomes.filter((o) => o.result === result).length;
  const wins = count('win');
  const ties = count('tie');
  const losses = count('loss');
  const all = wins + ties + losses;
  const byQuestion = new Map<string, CombinedOutcome[]>();
  for (const o of outcomes) byQuestion.set(o.questionId, [...(byQuestion.get(o.questionId) ?? []), o]);
  const units = [...byQuestion.values()];
  return {
    wins, ties, losses,
    inconsistent: outcomes.filter((o) => o.inconsistent).length,
    parseFailures: outcomes.filter((o) => o.failed === 'parse_failure').length,
    skipped: outcomes.filter((o) => o.failed === 'skipped').length,
    winRate: all === 0 ? Number.NaN : wins / all,
    winRateTiesHalf: all === 0 ? Number.NaN : (wins + ties / 2) / all,
    winRateDecisive: wins + losses === 0 ? Number.NaN : wins / (wins + losses),
    interval: all === 0 ? null : bootstrapInterval([units], (sample) => tieHalf((sample[0] ?? []).flat()), options),
  };
}

export interface PairwiseRow {
  readonly candidate: string;
  readonly opponent: string;
  readonly overall: WinRates;
  readonly byCategory: ReadonlyMap<string, WinRates>;
}

export function pairwiseSummary(records: readonly SubjectiveRecord[], options: BootstrapOptions): PairwiseRow[] {
  const outcomes = combineOrders(records);
  const pairs = [...new Map(outcomes.map((o) => [`${o.candidate}|${o.opponent}`, [o.candidate, o.opponent] as const])).values()];
  return pairs.map(([candidate, opponent]) => {
    const mine = outcomes.filter((o) => o.candidate === candidate && o.opponent === opponent);
    const categories = [...new Set(mine.map((o) => o.category))];
    return { candidate, opponent, overall: winRates(mine, options), byCategory: new Map(categories.map((c) => [c, winRates(mine.filter((o) => o.category === c), options)])) };
  });
}

export interface BradleyTerryRow {
  readonly model: string;
  readonly rating: number;
  readonly interval: BootstrapInterval | null;
}

export type BradleyTerrySummary = { readonly ok: true; readonly rows: readonly BradleyTerryRow[] } | { readonly ok: false; readonly reason: string };

function btOutcomes(outcomes: readonly CombinedOutcome[]): PairOutcome[] {
  return outcomes.filter((o) => o.result !== null).map((o) => ({ first: o.candidate, second: o.opponent, firstScore: o.result === 'win' ? 1 : o.result === 'tie' ? 0.5 : 0 }));
}

/**
 * Ratings on the Elo scale, anchored at the baseline (1000), with intervals from resampling questions:
 * each resample refits every rating at once; resamples without a finite fit are counted per model.
 */
export function bradleyTerrySummary(records: readonly SubjectiveRecord[], anchor: string | null, options: BootstrapOptions): BradleyTerrySummary {
  const outcomes = combineOrders(records);
  const fit = fitBradleyTerry(btOutcomes(outcomes), anchor);
  if (!fit.ok) return fit;
  const byQuestion = new Map<string, CombinedOutcome[]>();
  for (const o of outcomes) byQuestion.set(o.questionId, [...(byQuestion.get(o.questionId) ?? []), o]);
  const units = [...byQuestion.values()];
  const resampled = new Map([...fit.ratings.keys()].map((model) => [model, [] as number[]]));
  const random = mulberry32(options.seed);
  for (let b = 0; b < options.resamples; b += 1) {
    const sample = units.map(() => units[Math.min(units.length - 1, Math.floor(random() * units.length))] as CombinedOutcome[]);
    const refit = fitBradleyTerry(btOutcomes(sample.flat()), anchor);
    if (!refit.ok) continue;
    for (const [model, values] of resampled) {
      const rating = refit.ratings.get(model);
      if (rating !== undefined) values.push(rating);
    }
  }
  const level = options.level ?? 0.95;
  const rows = [...fit.ratings].map(([model, rating]) => {
    const values = resampled.get(model) ?? [];
    return {
      model, rating,
      interval: { low: percentile(values, (1 - level) / 2), high: percentile(values, 1 - (1 - level) / 2), resamples: options.resamples, undefinedResamples: options.resamples - values.length },
    };
  });
  return { ok: true, rows: rows.sort((a, b) => b.rating - a.rating) };
}

export interface Diagnostics {
  /** Records the judge replied to, and how many of those replies could not be read. */
  readonly judged: number;
  readonly parseFailures: number;
  readonly parseFailureRate: number;
  readonly skipped: number;
  /** Pairs with both orders read: how many gave the same winner both times. */
  readonly pairsWithBothOrders: number;
  readonly consistentPairs: number;
  readonly positionConsistency: number;
  /** Order flips that favoured the first / second position (the same letter both times). */
  readonly firstPositionFlips: number;
  readonly secondPositionFlips: number;
  /** Verdicts naming a winner whose two answers differ in length, and how many the longer one won. */
  readonly decisiveWithLengthDifference: number;
  readonly longerAnswerWins: number;
  readonly longerAnswerWinShare: number;
}

function answerLength(record: SubjectiveRecord, model: string | null): number {
  const turns = model === null ? undefined : record.answers[model];
  return turns?.[record.turn - 1]?.length ?? 0;
}

export function diagnostics(records: readonly SubjectiveRecord[]): Diagnostics {
  const judged = records.filter((r) => r.status === 'ok' || r.status === 'parse_failure').length;
  const parseFailures = records.filter((r) => r.status === 'parse_failure').length;
  const groups = new Map<string, SubjectiveRecord[]>();
  for (const r of records) {
    if (r.mode !== 'pairwise' || r.status !== 'ok') continue;
    const key = `${r.candidate}|${r.opponent ?? ''}|${r.question_id}|${r.turn}|${r.repeat}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let pairsWithBothOrders = 0;
  let consistentPairs = 0;
  let firstPositionFlips = 0;
  let secondPositionFlips = 0;
  for (const list of groups.values()) {
    const ab = list.find((r) => r.order === 'AB');
    const ba = list.find((r) => r.order === 'BA');
    if (!ab || !ba || !isPairVerdict(ab.verdict) || !isPairVerdict(ba.verdict)) continue;
    pairsWithBothOrders += 1;
    if (resultOf(ab) === resultOf(ba)) consistentPairs += 1;
    else if (ab.verdict.winner === 'A' && ba.verdict.winner === 'A') firstPositionFlips += 1;
    else if (ab.verdict.winner === 'B' && ba.verdict.winner === 'B') secondPositionFlips += 1;
  }
  let decisiveWithLengthDifference = 0;
  let longerAnswerWins = 0;
  for (const r of records) {
    const verdict = r.verdict;
    if (r.mode !== 'pairwise' || r.status !== 'ok' || !isPairVerdict(verdict) || verdict.winner_model === null) continue;
    const winner = verdict.winner_model;
    const loser = r.models.find((m) => m !== winner) ?? null;
    const winnerLength = answerLength(r, winner);
    const loserLength = answerLength(r, loser);
    if (winnerLength === loserLength) continue;
    decisiveWithLengthDifference += 1;
    if (winnerLength > loserLength) longerAnswerWins += 1;
  }
  return {
    judged, parseFailures, parseFailureRate: judged === 0 ? Number.NaN : parseFailures / judged,
    skipped: records.filter((r) => r.status === 'skipped').length,
    pairsWithBothOrders, consistentPairs, positionConsistency: pairsWithBothOrders === 0 ? Number.NaN : consistentPairs / pairsWithBothOrders,
    firstPositionFlips, secondPositionFlips,
    decisiveWithLengthDifference, longerAnswerWins, longerAnswerWinShare: decisiveWithLengthDifference === 0 ? Number.NaN : longerAnswerWins / decisiveWithLengthDifference,
  };
}
