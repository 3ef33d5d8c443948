/**
 * The peer bench's results: the raw figures (written as JSON) and the tables it prints — every
 * point with min / median / max on both sides, and the summary "gnomon ÷ peer (median tok/s)" per
 * backend in the layout of issue 22's table.
 */
import { pointLabel, spread, type MeasuredPoint, type Spread } from './timing.js';

export interface SideFigures {
  /** Seconds of each repeat. */
  readonly seconds: number[];
}

export interface PointResult {
  readonly point: MeasuredPoint;
  readonly gnomon: SideFigures;
  readonly peer: SideFigures;
  /** Decode only: leading greedy tokens the two engines generated alike, per repeat. */
  readonly sameTokens?: number[];
}

export interface AgreementResult {
  readonly tokens: number;
  readonly maxAbsLogprobDifference: number;
  readonly bound: number;
  readonly passed: boolean;
}

export interface BackendRun {
  readonly backend: string;
  readonly dtype: string;
  /** Why this backend was not timed (not offered here, failed to load, disagreed). */
  readonly skipped?: string;
  readonly device?: string;
  readonly peerLoad?: { readonly seconds: number; readonly gpuLayers: number; readonly contextSize: number; readonly batchSize: number };
  readonly agreement?: AgreementResult;
  readonly points: PointResult[];
}

/** Tokens per second for a prefill or decode point; for a load, loads per second (1 / seconds). */
function rate(point: MeasuredPoint, seconds: number): number {
  return point.kind === 'load' ? 1 / seconds : point.tokens / seconds;
}

export function rates(point: MeasuredPoint, figures: SideFigures): Spread {
  return spread(figures.seconds.map((s) => rate(point, s)));
}

/** gnomon ÷ peer of the median rates (> 1: gnomon is faster). */
export function ratio(result: PointResult): number {
  return rates(result.point, result.gnomon).median / rates(result.point, result.peer).median;
}

const f = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

function spreadText(point: MeasuredPoint, figures: SideFigures): string {
  if (point.kind === 'load') {
    const s = spread(figures.seconds);
    return `${f(s.median)} s (${f(s.min)}–${f(s.max)})`;
  }
  const r = rates(point, figures);
  return `${f(r.median)} (${f(r.min)}–${f(r.max)})`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Every timed point: tok/s median (min–max) on each side, or load seconds, and the ratio. */
export function detailTable(runs: readonly BackendRun[]): string {
  const rows: string[][] = [];
  for (const run of runs) {
    for (const result of run.points) {
      // The fewest leading greedy tokens alike over the repeats, of the decode's tokens (the prefill's pick first).
      const same = result.sameTokens && result.point.kind === 'decode' ? `${Math.min(...result.sameTokens)}/${result.point.tokens}` : '';
      rows.push([run.dtype, run.backend, pointLabel(result.point), spreadText(result.point, result.gnomon), spreadText(result.point, result.peer), `${ratio(result).toFixed(2)}×`, same]);
    }
  }
  return table(['W', 'peer backend', 'point', 'gnomon tok/s median (min–max)', 'llama.cpp tok/s median (min–max)', 'gnomon ÷ peer', 'same greedy tokens'], rows);
}

/** Issue 22's layout: one row per (kind, dtype), one column per backend, ratios joined by " / ". */
export function summaryTable(runs: readonly BackendRun[], shapeLabel: string): string {
  const backends = [...new Set(runs.map((r) => r.backend))];
  const dtypes = [...new Set(runs.map((r) => r.dtype))];
  const rows: string[][] = [];
  for (const dtype of dtypes) {
    for (const kind of ['prefill', 'decode', 'load'] as const) {
      const byBackend = backends.map((backend) => runs.find((r) => r.backend === backend && r.dtype === dtype));
      const points = byBackend.find((r) => r && r.points.some((p) => p.point.kind === kind))?.points.filter((p) => p.point.kind === kind) ?? [];
      if (points.length === 0) continue;
      const label =
        kind === 'load' ? `load, ${shapeLabel}, ${dtype} (gnomon vs peer, median)` : `${kind} ${points.map((p) => (p.point.kind === 'decode' ? `${p.point.tokens} after ${p.point.context}` : p.point.kind === 'prefill' ? String(p.point.tokens) : '')).join(' / ')}, ${shapeLabel}, ${dtype}`;
      const cells = byBackend.map((run) => {
        if (!run) return '—';
        if (run.skipped) return 'not timed';
        const mine = run.points.filter((p) => p.point.kind === kind);
        if (kind === 'load') {
          const p = mine[0];
          return p ? `${f(spread(p.gnomon.seconds).median)} s vs ${f(spread(p.peer.seconds).median)} s` : '—';
        }
        return mine.map((p) => `${ratio(p).toFixed(2)}×`).join(' / ');
      });
      rows.push([label, ...cells]);
    }
  }
  const header = ['gnomon ÷ peer (median tok/s)', ...backends.map((b) => `llama.cpp ${b}`)];
  return table(header, rows);
}
