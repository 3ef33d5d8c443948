/**
 * Dataset-level results of a contamination run, computed from its records only: n-gram label
 * counts and rates, per-score AUROC of benchmark vs reference with Mann–Whitney tests, option-order
 * first-place rates with binomial tests, and clean/dirty accuracy tables.
 */
import {
  type ContaminationRecord, type ItemSet, type LikelihoodRecord, type NgramRecord, type OptionOrderRecord,
} from '../../harness/contamination/contamination-records.js';
import { MEMBERSHIP_SCORES, type LikelihoodMethod } from '../../harness/contamination/likelihood-probes.js';
import type { NgramRules, OverlapLabel } from '../../harness/contamination/ngram-index.js';
import {
  impactTables, openCompassCleanTable, type CevalOutcome, type ImpactTable, type OpenCompassCleanRow, type SubjectGroup,
} from '../../harness/contamination/impact.js';
import { ANNOTATION_LABELS, type AnnotationLabel } from '../../harness/contamination/annotations.js';
import {
  aurocWithInterval, binomialTailAtLeast, mannWhitneyU, wilsonInterval, type AurocResult, type MannWhitneyResult, type Proportion,
} from '../../harness/contamination/statistics.js';

export const OVERLAP_LABELS: readonly OverlapLabel[] = ['clean', 'partial', 'dirty', 'too-short'];

export interface NgramSummary {
  readonly rules: NgramRules;
  readonly items: number;
  readonly counts: Readonly<Record<OverlapLabel, number>>;
  /** Share of items dirty under each rule and overall (Wilson 95%; too-short items excluded from the denominator). */
  readonly gpt3Dirty: Proportion;
  readonly palmDirty: Proportion;
  readonly anyOverlap: Proportion;
  readonly meanCoverage: number;
}

export interface ScoreDistribution {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  /** The raw values (as recorded, not membership-oriented), for histograms. */
  readonly values: readonly number[];
}

export interface LikelihoodMethodSummary {
  readonly method: LikelihoodMethod;
  readonly label: string;
  readonly reading: string;
  readonly benchmark: ScoreDistribution;
  readonly reference: ScoreDistribution | null;
  /** P(benchmark item looks more "seen" than a reference item); 0.5 = no difference. */
  readonly auroc: AurocResult | null;
  readonly mannWhitney: MannWhitneyResult | null;
}

export interface OptionOrderSummary {
  readonly set: ItemSet;
  readonly items: number;
  readonly orders: number;
  readonly chance: number;
  readonly originalFirst: Proportion;
  /** Exact one-sided binomial P(X ≥ observed) at the chance rate. */
  readonly binomialP: number;
  readonly itemsWithTies: number;
  readonly meanOriginalRank: number;
}

export interface ContaminationSummary {
  readonly ngram: NgramSummary | null;
  readonly likelihood: readonly LikelihoodMethodSummary[];
  readonly minKPercent: number | null;
  readonly optionOrder: readonly OptionOrderSummary[];
  readonly impact: readonly ImpactTable[];
  /** With annotations: OpenCompass's ceval_clean_ppl table (per subject and group, per label). */
  readonly openCompassClean: readonly OpenCompassCleanRow[];
  readonly unscoredLikelihood: number;
  /** Model probes a served model failed after its retries (not scored; `--resume` retries them). */
  readonly errors: number;
  /** Items a model probe could not score, by probe, set and kind of reason: counted, never in a figure. */
  readonly unscored: readonly UnscoredCount[];
}

export interface UnscoredCount {
  readonly probe: 'likelihood' | 'option_order';
  readonly set: ItemSet;
  /** "longer than the context", "model error" or "no scorable token". */
  readonly reason: string;
  readonly count: number;
}

function unscoredKind(reason: string | undefined): string {
  if (reason === undefined) return 'no scorable token';
  if (reason.startsWith('skipped:')) return 'longer than the context';
  if (reason.startsWith('model error:')) return 'model error (non-finite log-probability)';
  return reason;
}

/** Unscored items per (probe, set, reason); option-order records of items without options are not items of that probe. */
function unscoredCounts(records: readonly ContaminationRecord[]): UnscoredCount[] {
  const counts = new Map<string, UnscoredCount>();
  for (const r of records) {
    // Requests a served model failed are errors (counted apart, retried by --resume), not unscored items.
    if (r.probe === 'ngram' || r.status === 'error') continue;
    const unscored = r.probe === 'likelihood' ? r.likelihood === null : r.option_order === null && r.unscored_reason !== undefined;
    if (!unscored) continue;
    const reason = unscoredKind(r.unscored_reason);
    const key = `${r.probe}:${r.set}:${reason}`;
    const before = counts.get(key);
    counts.set(key, { probe: r.probe, set: r.set, reason, count: (before?.count ?? 0) + 1 });
  }
  return [...counts.values()];
}

export interface ImpactInputs {
  readonly outcomes: readonly CevalOutcome[];
  /** The ceval run's subjects and summary groups (for OpenCompass's per-subject clean/dirty table). */
  readonly subjectOrder?: readonly string[];
  readonly groups?: readonly SubjectGroup[];
  readonly annotations?: ReadonlyMap<string, AnnotationLabel>;
}

function distribution(values: readonly number[]): ScoreDistribution {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length === 0 ? Number.NaN : sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { n: values.length, mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN, median, values };
}

const RAW_VALUE: Record<LikelihoodMethod, (s: NonNullable<LikelihoodRecord['likelihood']>) => number> = {
  mean_nll: (s) => s.meanNll,
  min_k: (s) => s.minK,
  zlib_ratio: (s) => s.zlibRatio,
};

export function summariseContamination(records: readonly ContaminationRecord[], impact?: ImpactInputs): ContaminationSummary {
  const ngramRecords = records.filter((r): r is NgramRecord => r.probe === 'ngram');
  const likelihoodRecords = records.filter((r): r is LikelihoodRecord => r.probe === 'likelihood');
  const orderRecords = records.filter((r): r is OptionOrderRecord => r.probe === 'option_order');

  let ngram: NgramSummary | null = null;
  const first = ngramRecords[0];
  if (first) {
    const counts: Record<OverlapLabel, number> = { clean: 0, partial: 0, dirty: 0, 'too-short': 0 };
    for (const r of ngramRecords) counts[r.ngram.label] += 1;
    const rated = ngramRecords.filter((r) => r.ngram.label !== 'too-short');
    const coverages = ngramRecords.map((r) => r.ngram.coverage).filter((c): c is number => c !== null);
    ngram = {
      rules: { gpt3N: first.ngram.gpt3.n, palmN: first.ngram.palm.n, palmThreshold: first.ngram.palm.threshold },
      items: ngramRecords.length,
      counts,
      gpt3Dirty: wilsonInterval(ngramRecords.filter((r) => r.ngram.gpt3.label === 'dirty').length, ngramRecords.filter((r) => r.ngram.gpt3.label !== 'too-short').length),
      palmDirty: wilsonInterval(counts.dirty, rated.length),
      anyOverlap: wilsonInterval(counts.dirty + counts.partial, rated.length),
      meanCoverage: coverages.length ? coverages.reduce((a, b) => a + b, 0) / coverages.length : Number.NaN,
    };
  }

  const scored = (set: ItemSet): NonNullable<LikelihoodRecord['likelihood']>[] =>
    likelihoodRecords.filter((r) => r.set === set).map((r) => r.likelihood).filter((s): s is NonNullable<typeof s> => s !== null);
  const benchmarkScores = scored('benchmark');
  const referenceScores = scored('reference');
  const likelihood = benchmarkScores.length === 0 ? [] : MEMBERSHIP_SCORES.map((score) => {
    const hasReference = referenceScores.length > 0;
    const a = benchmarkScores.map(score.membership);
    const b = referenceScores.map(score.membership);
    return {
      method: score.method,
      label: score.label,
      reading: score.reading,
      benchmark: distribution(benchmarkScores.map(RAW_VALUE[score.method])),
      reference: hasReference ? distribution(referenceScores.map(RAW_VALUE[score.method])) : null,
      auroc: hasReference ? aurocWithInterval(a, b) : null,
      mannWhitney: hasReference ? mannWhitneyU(a, b) : null,
    };
  });

  const optionOrder = (['benchmark', 'reference'] as const).flatMap((set) => {
    const scoredItems = orderRecords.filter((r) => r.set === set).map((r) => r.option_order).filter((s): s is NonNullable<typeof s> => s !== null);
    if (scoredItems.length === 0) return [];
    // Orders can differ only if a run changed --orders; the rarest case sets the chance rate conservatively high.
    const orders = Math.min(...scoredItems.map((s) => s.orders));
    const firsts = scoredItems.filter((s) => s.originalFirst).length;
    return [{
      set,
      items: scoredItems.length,
      orders,
      chance: 1 / orders,
      originalFirst: wilsonInterval(firsts, scoredItems.length),
      binomialP: binomialTailAtLeast(firsts, scoredItems.length, 1 / orders),
      itemsWithTies: scoredItems.filter((s) => s.ties > 0).length,
      meanOriginalRank: scoredItems.reduce((sum, s) => sum + s.originalRank, 0) / scoredItems.length,
    }];
  });

  const tables: ImpactTable[] = [];
  let openCompassClean: OpenCompassCleanRow[] = [];
  if (impact) {
    if (impact.annotations) {
      const labels = impact.annotations;
      openCompassClean = openCompassCleanTable(impact.outcomes, (key) => labels.get(key), impact.subjectOrder ?? [], impact.groups ?? []);
      tables.push(...impactTables(impact.outcomes, (key) => labels.get(key), {
        source: 'Contamination_Detector annotations',
        labelOrder: ANNOTATION_LABELS,
        dirtyLabels: ['input contamination', 'input-and-label contamination'],
        cleanLabel: 'clean',
      }));
    }
    if (ngramRecords.length > 0) {
      const labels = new Map(ngramRecords.map((r) => [r.item_key, r.ngram.label]));
      tables.push(...impactTables(impact.outcomes, (key) => labels.get(key), {
        source: 'n-gram overlap (this run)',
        labelOrder: OVERLAP_LABELS,
        dirtyLabels: ['dirty'],
        cleanLabel: 'clean',
      }));
    }
  }
  const minK = likelihoodRecords.find((r) => r.likelihood !== null)?.likelihood?.minKPercent ?? null;
  const errors = records.filter((r) => r.status === 'error').length;
  return {
    ngram, likelihood, minKPercent: minK, optionOrder, impact: tables, openCompassClean,
    unscoredLikelihood: likelihoodRecords.filter((r) => r.likelihood === null && r.status !== 'error').length, unscored: unscoredCounts(records), errors,
  };
}
