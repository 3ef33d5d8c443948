/**
 * Aggregates needle records into the grid the reports draw: mean score per (length, depth) cell over
 * repeats, means per length (the score-vs-length curve) and per depth, and the effective length.
 * Reads records only; cells that exceeded the context or failed have no score and are kept apart,
 * never counted as zeros.
 */
import type { NeedleRecord } from '../../harness/needle/needle-record.js';

export interface CellSummary {
  readonly length: number;
  readonly depth: number;
  /** Mean score of the cell's finished repeats; null when none finished. */
  readonly mean: number | null;
  readonly scored: number;
  readonly exceeded: number;
  readonly errors: number;
  /** Scored repeats whose needle missed its depth by more than the tolerance (shown, marked, left out of line means). */
  readonly flagged: number;
  /** Mean actual prompt length and depth (for tooltips). */
  readonly lengthActual: number | null;
  readonly depthActual: number | null;
}

export interface LineMean {
  /** A length (for per-length means) or a depth (for per-depth means). */
  readonly at: number;
  readonly mean: number | null;
  readonly scored: number;
  readonly exceeded: number;
  readonly errors: number;
  /** Scored records left out of this mean because their needle missed its depth. */
  readonly flagged: number;
}

export interface NeedleSummary {
  readonly lengths: readonly number[];
  readonly depths: readonly number[];
  /** cells[depthIndex][lengthIndex]. */
  readonly cells: readonly (readonly CellSummary[])[];
  readonly byLength: readonly LineMean[];
  readonly byDepth: readonly LineMean[];
  readonly overall: number | null;
  /**
   * `--compat needlebench` runs: the mean of NeedleBench's own 0–100 scores over scored cells, the
   * number OpenCompass reports for this dataset group (its naive average); null for other runs.
   */
  readonly needlebench: { readonly version: string; readonly task: string; readonly mean: number | null } | null;
  readonly threshold: number;
  /** Longest length whose mean score is ≥ threshold (RULER's definition); null when none is. */
  readonly effectiveLength: number | null;
  readonly counts: { readonly ok: number; readonly exceeds_context: number; readonly error: number; readonly flagged: number };
}

export function summariseNeedleRecords(records: readonly NeedleRecord[], threshold = 0.85): NeedleSummary {
  const lengths = [...new Set(records.map((r) => r.length_target))].sort((a, b) => a - b);
  const depths = [...new Set(records.map((r) => r.depth_target))].sort((a, b) => a - b);
  const cells = depths.map((depth) => lengths.map((length) => summariseCell(length, depth, records.filter((r) => r.length_target === length && r.depth_target === depth))));
  const byLength = lengths.map((length) => lineMean(length, records.filter((r) => r.length_target === length)));
  const byDepth = depths.map((depth) => lineMean(depth, records.filter((r) => r.depth_target === depth)));
  const passing = byLength.filter((line) => line.mean !== null && line.mean >= threshold);
  return {
    lengths,
    depths,
    cells,
    byLength,
    byDepth,
    overall: mean(scores(records.filter((r) => !isFlagged(r)))),
    needlebench: needleBenchMean(records),
    threshold,
    effectiveLength: passing.length > 0 ? Math.max(...passing.map((line) => line.at)) : null,
    counts: {
      ok: records.filter((r) => r.status === 'ok').length,
      exceeds_context: records.filter((r) => r.status === 'exceeds_context').length,
      error: records.filter((r) => r.status === 'error').length,
      flagged: records.filter(isFlagged).length,
    },
  };
}

function summariseCell(length: number, depth: number, records: readonly NeedleRecord[]): CellSummary {
  return {
    length,
    depth,
    mean: mean(scores(records)),
    scored: scores(records).length,
    exceeded: records.filter((r) => r.status === 'exceeds_context').length,
    errors: records.filter((r) => r.status === 'error').length,
    flagged: records.filter(isFlagged).length,
    lengthActual: mean(records.map((r) => r.length_actual).filter((v): v is number => v !== null)),
    depthActual: mean(records.map((r) => r.depth_actual).filter((v): v is number => v !== null)),
  };
}

/**
 * Means per length or depth leave out flagged records: a needle far from its depth does not test that
 * depth, and counting it would let misplaced cells raise (or lower) the effective length.
 */
function lineMean(at: number, records: readonly NeedleRecord[]): LineMean {
  const valid = records.filter((r) => !isFlagged(r));
  return {
    at,
    mean: mean(scores(valid)),
    scored: scores(valid).length,
    exceeded: records.filter((r) => r.status === 'exceeds_context').length,
    errors: records.filter((r) => r.status === 'error').length,
    flagged: records.filter(isFlagged).length,
  };
}

function needleBenchMean(records: readonly NeedleRecord[]): NeedleSummary['needlebench'] {
  const first = records.find((r) => r.needlebench !== undefined)?.needlebench;
  if (!first) return null;
  const values = records.filter((r) => r.status === 'ok' && r.needlebench !== undefined).map((r) => r.needlebench?.score ?? 0);
  return { version: first.version, task: first.task ?? 'single', mean: mean(values) };
}

/** A scored record whose needle missed its target depth by more than the tolerance. */
export function isFlagged(record: NeedleRecord): boolean {
  return record.status === 'ok' && record.depth_flagged === true;
}

function scores(records: readonly NeedleRecord[]): number[] {
  return records.filter((r) => r.status === 'ok' && r.score !== null).map((r) => r.score ?? 0);
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
