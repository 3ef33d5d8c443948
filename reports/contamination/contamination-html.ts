/**
 * The contamination section(s) of an HTML report, and the standalone page of a contamination run.
 * Each method comes with what it measures and how much it can be trusted; the per-item warning is
 * printed first, in plain words.
 */
import { escapeHtml, renderHtmlPage, type HtmlSection } from '../html-page.js';
import type { ContaminationRecord, NgramRecord } from '../../harness/contamination/contamination-records.js';
import type { ContaminationSummary } from './contamination-summary.js';
import {
  OPENCOMPASS_CLEAN_HEADER, OPENCOMPASS_CLEAN_NOTE, PER_ITEM_WARNING, impactDifferenceLine, impactRows, methodRows, openCompassCleanRows,
} from './contamination-tables.js';
import { accuracyBarsSvg, histogramSvg } from './contamination-charts.js';

const ITEM_ROWS_SHOWN = 100;

function table(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set()): string {
  const head = header.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function ngramSection(summary: ContaminationSummary, records: readonly ContaminationRecord[]): HtmlSection | null {
  const ngram = summary.ngram;
  if (!ngram) return null;
  const items = records.filter((r): r is NgramRecord => r.probe === 'ngram');
  const ranked = [...items].sort((a, b) => (b.ngram.coverage ?? -1) - (a.ngram.coverage ?? -1) || b.ngram.gpt3.matched - a.ngram.gpt3.matched).filter((r) => r.ngram.label === 'dirty' || r.ngram.label === 'partial');
  const { gpt3N, palmN, palmThreshold } = ngram.rules;
  const c = ngram.counts;
  const rows = ranked.slice(0, ITEM_ROWS_SHOWN).map((r) => [
    r.item_key, r.ngram.label, `${r.ngram.gpt3.matched}/${r.ngram.gpt3.total}`, `${r.ngram.palm.matched}/${r.ngram.palm.total}`,
    r.ngram.coverage === null ? '—' : `${(r.ngram.coverage * 100).toFixed(0)}%`, r.ngram.examples.join(' | '),
    r.ngram.firstMatch ? `${r.ngram.firstMatch.file}:${r.ngram.firstMatch.line}` : '',
  ]);
  return {
    id: 'contamination-ngram',
    title: 'N-gram overlap with the supplied corpus',
    body: `<p>Text is normalised (NFKC, lowercase, punctuation and symbols removed, whitespace collapsed). Words are the units of
space-separated text; <b>Chinese and Japanese text has no spaces, so each character is one unit</b> (a ${gpt3N}-gram of Chinese is
${gpt3N} characters). Thresholds: <b>GPT-3 rule</b> — dirty when any ${gpt3N}-gram is found; <b>PaLM rule</b> — dirty when
≥ ${(palmThreshold * 100).toFixed(0)}% of the item's ${palmN}-grams are found. Label: <b>dirty</b> = PaLM rule fires; <b>partial</b> = a
${gpt3N}-gram or some ${palmN}-grams found, under the PaLM threshold; <b>clean</b> = no ${palmN}-gram found; <b>too short</b> = fewer than
${palmN} units (counted, not matched). Coverage = share of the item's units inside a found ${palmN}-gram.</p>
<p>Labels over ${ngram.items} items: clean ${c.clean}, partial ${c.partial}, dirty ${c.dirty}, too short ${c['too-short']}.
${ranked.length > ITEM_ROWS_SHOWN ? `The ${ITEM_ROWS_SHOWN} items with the highest coverage are shown; items.csv lists all.` : ''}</p>
${rows.length ? table(['item', 'label', `${gpt3N}-grams found`, `${palmN}-grams found`, 'coverage', 'matched text (normalised)', 'first seen'], rows, new Set([2, 3, 4])) : '<p>No item overlaps the corpus.</p>'}`,
  };
}

function likelihoodSection(summary: ContaminationSummary): HtmlSection | null {
  if (summary.likelihood.length === 0) return null;
  const charts = summary.likelihood.map((m) => histogramSvg({
    title: `${m.method === 'min_k' && summary.minKPercent !== null ? `Min-${summary.minKPercent}% log-prob` : m.label}${m.auroc ? ` — AUROC ${m.auroc.auroc.toFixed(3)}` : ''}`,
    benchmark: m.benchmark.values,
    reference: m.reference?.values ?? null,
  })).join('\n');
  const hasReference = summary.likelihood.some((m) => m.reference);
  return {
    id: 'contamination-likelihood',
    title: 'Likelihood probes',
    body: `<p>Each item's text (question and options) is scored as the continuation of the beginning-of-sequence token.
<b>Mean NLL</b>: −(1/N)·Σ log p(tokenᵢ), nats per token. <b>Min-K% prob</b> (Shi et al. 2023): the mean of the lowest k% token
log-probs${summary.minKPercent !== null ? ` (k = ${summary.minKPercent})` : ''}. <b>zlib ratio</b> (Carlini et al. 2021): mean NLL ÷ byte length of the
zlib-compressed UTF-8 text. AUROC is the probability that a benchmark item looks more "seen" than a reference item (lower NLL,
higher Min-K%, lower zlib ratio); 0.5 means no difference. Its 95% interval is score-type from the Hanley–McNeil variance (it stays wide in small samples, even at AUROC 1); the
Mann–Whitney test uses the normal approximation with tie and continuity corrections.</p>
${hasReference ? '' : '<p class="note">No reference set was given (--reference FILE), so the histograms show the benchmark alone and no claim can be made.</p>'}
${summary.unscoredLikelihood ? `<p class="note">${summary.unscoredLikelihood} item(s) could not be scored (${summary.unscored.filter((u) => u.probe === 'likelihood').map((u) => `${u.count} ${u.set}: ${escapeHtml(u.reason)}`).join('; ')}) and are counted as unscored, in no figure.</p>` : ''}
${summary.errors ? `<p class="note">${summary.errors} model probe(s) failed at the served model after their retries: not scored; --resume retries them.</p>` : ''}
<div style="display:flex;flex-wrap:wrap;gap:12px">${charts}</div>`,
  };
}

function impactSection(summary: ContaminationSummary): HtmlSection | null {
  if (summary.impact.length === 0) return null;
  const body = summary.impact.map((t) => {
    const bars = t.groups.map((g) => ({ label: g.label, rate: g.accuracy.rate, low: g.accuracy.low, high: g.accuracy.high, scored: g.accuracy.trials, questions: g.questions }));
    return `<h3>${escapeHtml(t.source)} — ${escapeHtml(t.mode)}</h3>
${accuracyBarsSvg(`Accuracy by label (${t.source}, ${t.mode})`, bars)}
${table(['label', 'questions', 'scored', 'accuracy', '95% CI (Wilson)'], impactRows(t), new Set([1, 2, 3]))}
<p>${escapeHtml(impactDifferenceLine(t))}</p>`;
  }).join('\n') + (summary.openCompassClean.length > 0
    ? `\n<h3>OpenCompass ceval_clean table</h3>\n<p class="note">${escapeHtml(OPENCOMPASS_CLEAN_NOTE)}</p>\n${table(OPENCOMPASS_CLEAN_HEADER, openCompassCleanRows(summary.openCompassClean), new Set([2, 3]))}`
    : '');
  return {
    id: 'contamination-impact',
    title: 'Accuracy on clean vs dirty items',
    body: `<p>Accuracy of the <code>harness ceval</code> run on items of each label. Unlabelled items and skipped questions are
counted in their own rows, never dropped. A higher accuracy on dirty items is consistent with contamination helping the score,
but dirty items can also differ in difficulty.</p>\n${body}`,
  };
}

/** Sections for embedding in any report (they carry the per-item warning first). */
export function contaminationSections(summary: ContaminationSummary, records: readonly ContaminationRecord[]): HtmlSection[] {
  const rows = methodRows(summary);
  const summarySection: HtmlSection = {
    id: 'contamination-summary',
    title: 'Contamination checks',
    body: `<p class="warning" style="border-left:4px solid #b3261e;padding:6px 10px;background:#fbeeed"><b>Read this first.</b> ${escapeHtml(PER_ITEM_WARNING)}</p>
${rows.length ? table(['method', 'measures', 'result', '95% CI', 'test', 'how to read'], rows.map((r) => [r.method, r.measures, r.result, r.interval, r.test, r.reading])) : '<p>No probe produced results.</p>'}`,
  };
  return [summarySection, ngramSection(summary, records), likelihoodSection(summary), impactSection(summary)].filter((s): s is HtmlSection => s !== null);
}

export function renderContaminationPage(summary: ContaminationSummary, records: readonly ContaminationRecord[], subtitle: readonly string[], runHeader?: string): string {
  return renderHtmlPage({ title: 'Contamination report', subtitle, sections: contaminationSections(summary, records), ...(runHeader ? { runHeader } : {}) });
}
