/** A comparison as a self-contained HTML page: the table, what differs, and for needle runs the heatmaps side by side with their difference. */
import { escapeHtml, renderHtmlPage, type HtmlSection } from '../html-page.js';
import { renderHeatmapSvg } from '../needle/heatmap-svg.js';
import type { NeedleRun } from '../suite/run-results.js';
import type { FigureLabels } from '../needle/heatmap-layout.js';
import { needleFigureLabels } from '../../harness/needle/needle-run.js';
import { comparisonGrid } from './comparison-text.js';
import { renderDifferenceHeatmapSvg } from './difference-heatmap-svg.js';
import type { Comparison } from './run-comparison.js';

function tableSection(comparison: Comparison, index: number, name: string): HtmlSection {
  const [head = [], ...body] = comparisonGrid(comparison);
  const legend = comparison.runs.map((r) => `<li><b>${escapeHtml(r.key)}</b> = ${escapeHtml(r.label)} <span class="note">${escapeHtml(r.run.dir)} · ${escapeHtml(r.run.status)}</span></li>`).join('');
  const rows = body.map((row, r) => `<tr class="${comparison.rows[r]?.kind ?? ''}">${row.map((cell, i) => `<td${i > 0 ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return {
    id: `table-${index}`, title: `${name}: ${comparison.kind === 'ceval' ? 'accuracy' : 'needle score'}, ${comparison.runs.map((r) => r.key).join(' vs ')}`,
    body: `<ul>${legend}</ul><table class="comparison"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${rows}\n</tbody></table>
<p class="note">Values: ${escapeHtml(comparison.unit)}; Δ = run − A. Test: ${escapeHtml(comparison.test)}. b = right in A only, c = right in the other only; paired = items both runs scored.</p>${comparison.notes.map((n) => `<p class="skip">${escapeHtml(n)}</p>`).join('')}`,
  };
}

function differsSection(comparison: Comparison, index: number, name: string): HtmlSection {
  const keys = comparison.runs.map((r) => `<th>${escapeHtml(r.key)}</th>`).join('');
  const rows = comparison.differs.map((d) => `<tr><td>${escapeHtml(d.key)}</td>${d.values.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
  return {
    id: `differs-${index}`, title: `${name}: what differs`,
    body: comparison.differs.length === 0 ? '<p>Nothing in run.json differs besides dates and command lines.</p>' : `<table class="differs"><tr><th>run.json key</th>${keys}</tr>\n${rows}</table>`,
  };
}

function heatmapSection(comparison: Comparison, index: number, name: string): HtmlSection | null {
  if (comparison.kind !== 'needle') return null;
  const runs = comparison.runs.map((r) => r.run as NeedleRun);
  const [base] = runs;
  if (!base) return null;
  const labels = (run: NeedleRun, model: string): FigureLabels => ({ ...needleFigureLabels(run.needleInfo), model });
  const maps = comparison.runs.map((r, i) => `<div>${renderHeatmapSvg((runs[i] as NeedleRun).summary, { labels: labels(runs[i] as NeedleRun, `${r.key}: ${r.label}`) })}</div>`);
  const differences = comparison.runs.slice(1).map((r, i) => `<div>${renderDifferenceHeatmapSvg(base.summary, (runs[i + 1] as NeedleRun).summary, labels(runs[i + 1] as NeedleRun, `${r.key} − A`))}</div>`);
  return { id: `heatmaps-${index}`, title: `${name}: heatmaps and difference`, body: `<div style="display:flex;flex-wrap:wrap;gap:16px">${[...maps, ...differences].join('')}</div>` };
}

/** One page for all comparisons; `name` says which runs each one groups (a suite task, C-Eval runs, …). */
export function renderComparisonReport(comparisons: readonly { readonly name: string; readonly comparison: Comparison }[], subtitle: readonly string[]): string {
  return renderHtmlPage({
    title: 'Comparison',
    subtitle,
    sections: comparisons.flatMap(({ name, comparison }, index) => [tableSection(comparison, index, name), heatmapSection(comparison, index, name), differsSection(comparison, index, name)].filter((s): s is HtmlSection => s !== null)),
  });
}
