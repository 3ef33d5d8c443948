/**
 * Text tables of a contamination run: the per-method summary (markdown, also used by the HTML
 * page), clean/dirty accuracy tables, and a per-item CSV with every probe's score side by side.
 */
import type { ContaminationRecord } from '../../harness/contamination/contamination-records.js';
import { OPENCOMPASS_CLEAN_METRICS, type ImpactTable, type OpenCompassCleanRow } from '../../harness/contamination/impact.js';
import type { Proportion } from '../../harness/contamination/statistics.js';
import type { ContaminationSummary } from './contamination-summary.js';

export const PER_ITEM_WARNING =
  'Per-item scores are weak evidence: one item with a low NLL or a high Min-K% score may simply be easy or formulaic text. ' +
  'The claims this report supports are dataset-level comparisons — benchmark vs reference AUROC, rates against chance, accuracy on clean vs dirty items — each with its interval.';

const percent = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—');
const number = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const pValue = (p: number): string => (!Number.isFinite(p) ? '—' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const rate = (p: Proportion): string => `${percent(p.rate)} (${p.successes}/${p.trials})`;
const interval = (low: number, high: number, format: (v: number) => string = percent): string => (Number.isFinite(low) ? `${format(low)} – ${format(high)}` : '—');

export interface MethodRow {
  readonly method: string;
  readonly measures: string;
  readonly result: string;
  readonly interval: string;
  readonly test: string;
  readonly reading: string;
}

export function methodRows(summary: ContaminationSummary): MethodRow[] {
  const rows: MethodRow[] = [];
  const ngram = summary.ngram;
  if (ngram) {
    const { gpt3N, palmN, palmThreshold } = ngram.rules;
    rows.push(
      { method: `GPT-3 rule (${gpt3N}-gram)`, measures: `items with any ${gpt3N}-gram of normalised words found in the corpus`, result: rate(ngram.gpt3Dirty), interval: interval(ngram.gpt3Dirty.low, ngram.gpt3Dirty.high), test: '—', reading: 'direct evidence the item text is in the supplied corpus; silent about data you did not supply' },
      { method: `PaLM rule (≥${(palmThreshold * 100).toFixed(0)}% of ${palmN}-grams)`, measures: `items with at least ${(palmThreshold * 100).toFixed(0)}% of their ${palmN}-grams found (label "dirty")`, result: rate(ngram.palmDirty), interval: interval(ngram.palmDirty.low, ngram.palmDirty.high), test: '—', reading: 'stricter: most of the item is present, not one shared phrase' },
      { method: 'any overlap', measures: 'items labelled dirty or partial', result: rate(ngram.anyOverlap), interval: interval(ngram.anyOverlap.low, ngram.anyOverlap.high), test: '—', reading: `mean token coverage ${percent(ngram.meanCoverage)}` },
    );
  }
  for (const m of summary.likelihood) {
    rows.push({
      method: m.method === 'min_k' && summary.minKPercent !== null ? `Min-${summary.minKPercent}% prob` : m.label,
      measures: m.reference ? `AUROC benchmark vs reference; > 0.5 when benchmark items look more "seen": ${m.reading}` : 'benchmark distribution only (no --reference: nothing to compare with)',
      result: m.auroc ? `AUROC ${number(m.auroc.auroc)}` : `mean ${number(m.benchmark.mean, 4)}`,
      interval: m.auroc ? interval(m.auroc.low, m.auroc.high, (v) => number(v)) : '—',
      test: m.mannWhitney ? `Mann–Whitney p = ${pValue(m.mannWhitney.p)}` : '—',
      reading: m.auroc ? 'dataset-level; confounded if the reference differs in style or difficulty' : 'add --reference FILE for a claim',
    });
  }
  for (const o of summary.optionOrder) {
    rows.push({
      method: `option order (${o.set})`,
      measures: `original option order ranks first among ${o.orders} orders (chance ${percent(o.chance)})`,
      result: rate(o.originalFirst),
      interval: interval(o.originalFirst.low, o.originalFirst.high),
      test: `binomial p = ${pValue(o.binomialP)}`,
      reading: o.itemsWithTies > 0 ? `${o.itemsWithTies} item(s) had tied orders (ties never count as first)` : 'far above chance suggests the published order was seen',
    });
  }
  return rows;
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`)].join('\n');
}

export function impactRows(table: ImpactTable): string[][] {
  return table.groups.map((g) => [g.label, String(g.questions), String(g.accuracy.trials), percent(g.accuracy.rate), interval(g.accuracy.low, g.accuracy.high)]);
}

export function impactDifferenceLine(table: ImpactTable): string {
  const d = table.difference;
  return `accuracy on dirty (${table.dirtyLabels.join(' + ')}) ${rate(table.dirty)} − clean ${rate(table.clean)} = ${Number.isFinite(d.difference) ? `${(d.difference * 100).toFixed(1)} points` : '—'}, 95% CI ${interval(d.low, d.high, (v) => `${(v * 100).toFixed(1)}`)} (Newcombe), two-proportion p = ${pValue(d.p)}`;
}

const ocNumber = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(2));

/**
 * OpenCompass's ceval_clean_ppl table: dataset | metric | value, one row per subject and label, then
 * the groups' weighted averages (its contamination summarizer) with the unweighted mean beside them.
 */
export function openCompassCleanRows(rows: readonly OpenCompassCleanRow[]): string[][] {
  const out: string[][] = [];
  for (const row of rows) {
    OPENCOMPASS_CLEAN_METRICS.forEach(({ metric }, i) => {
      const cell = row.cells[i];
      if (!cell) return;
      out.push(row.isGroup
        ? [row.dataset, metric, ocNumber(row.weighted[i] ?? Number.NaN), ocNumber(row.naive[i] ?? Number.NaN), `${cell.correct}/${cell.scored}`, row.subjects ?? '']
        : [row.dataset, metric, ocNumber(cell.accuracy), '', `${cell.correct}/${cell.scored}`, '']);
    });
  }
  return out;
}

export const OPENCOMPASS_CLEAN_HEADER = ['dataset', 'metric', 'accuracy (OpenCompass)', 'unweighted mean', 'correct/scored', 'subjects'];
export const OPENCOMPASS_CLEAN_NOTE = "OpenCompass's ceval_clean_ppl numbers: per subject, accuracy on items of each Contamination_Detector label ('-' = no such item: OpenCompass prints nan); groups: its contamination summarizer's weighted average (weights = the subjects' label counts), with the default summarizer's unweighted mean over subjects beside it ('-' when a subject lacks the label). A group with a subject missing from the run is partial and has no number.";

export function summaryMarkdown(summary: ContaminationSummary): string {
  const parts = [`> ${PER_ITEM_WARNING}`, '', markdownTable(['method', 'measures', 'result', '95% CI', 'test', 'how to read'], methodRows(summary).map((r) => [r.method, r.measures, r.result, r.interval, r.test, r.reading]))];
  if (summary.ngram) {
    const c = summary.ngram.counts;
    parts.push('', `n-gram labels over ${summary.ngram.items} items: clean ${c.clean}, partial ${c.partial}, dirty ${c.dirty}, too short ${c['too-short']}.`);
  }
  if (summary.unscored.length > 0) {
    parts.push('', `Not scored (counted here, in no figure above): ${summary.unscored.map((u) => `${u.probe === 'option_order' ? 'option order' : 'likelihood'} ${u.set}: ${u.count} ${u.reason}`).join('; ')}.`);
  }
  if (summary.errors > 0) parts.push('', `${summary.errors} model probe(s) failed at the served model after their retries: not scored; \`--resume\` retries them.`);
  for (const table of summary.impact) {
    parts.push('', `### Accuracy by label — ${table.source} (${table.mode})`, '', markdownTable(['label', 'questions', 'scored', 'accuracy', '95% CI (Wilson)'], impactRows(table)), '', impactDifferenceLine(table));
  }
  if (summary.openCompassClean.length > 0) {
    parts.push('', '### OpenCompass ceval_clean table', '', OPENCOMPASS_CLEAN_NOTE, '', markdownTable(OPENCOMPASS_CLEAN_HEADER, openCompassCleanRows(summary.openCompassClean)));
  }
  return `${parts.join('\n')}\n`;
}

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per (set, item) with every probe's result. */
export function itemsCsv(records: readonly ContaminationRecord[]): string {
  const rows = new Map<string, Record<string, string | number | null>>();
  for (const r of records) {
    const key = `${r.set}:${r.item_key}`;
    const row = rows.get(key) ?? { set: r.set, item_key: r.item_key, id: r.item_id, subject: r.subject, row: r.row };
    rows.set(key, row);
    if (r.probe === 'ngram') {
      Object.assign(row, {
        ngram_label: r.ngram.label, units: r.ngram.units, gpt3_matched: r.ngram.gpt3.matched, gpt3_total: r.ngram.gpt3.total,
        palm_matched: r.ngram.palm.matched, palm_total: r.ngram.palm.total, coverage: r.ngram.coverage,
        first_match: r.ngram.firstMatch ? `${r.ngram.firstMatch.file}:${r.ngram.firstMatch.line}` : null,
      });
    } else if (r.probe === 'likelihood' && r.likelihood) {
      Object.assign(row, { tokens: r.likelihood.tokens, mean_nll: r.likelihood.meanNll, min_k: r.likelihood.minK, zlib_bytes: r.likelihood.zlibBytes, zlib_ratio: r.likelihood.zlibRatio });
    } else if (r.probe === 'option_order' && r.option_order) {
      Object.assign(row, { orders: r.option_order.orders, original_rank: r.option_order.originalRank, original_first: r.option_order.originalFirst ? 1 : 0 });
    }
  }
  const columns = ['set', 'item_key', 'id', 'subject', 'row', 'ngram_label', 'units', 'gpt3_matched', 'gpt3_total', 'palm_matched', 'palm_total', 'coverage', 'first_match', 'tokens', 'mean_nll', 'min_k', 'zlib_bytes', 'zlib_ratio', 'orders', 'original_rank', 'original_first'];
  return `${[columns.join(','), ...[...rows.values()].map((row) => columns.map((c) => csvCell(row[c])).join(','))].join('\n')}\n`;
}
