/**
 * The needle sections of a run's HTML report (heatmap, curve, means, summary, every cell) and the
 * standalone page. Clicking a heatmap cell filters the cell table to it.
 */
import { formatTokenCount } from '../../harness/needle/grid.js';
import type { NeedleRecord } from '../../harness/needle/needle-record.js';
import { escapeHtml, renderHtmlPage, type HtmlSection } from '../html-page.js';
import { renderHeatmapSvg } from './heatmap-svg.js';
import type { NeedleSummary } from './needle-summary.js';
import { gridRows, lineRows } from './needle-tables.js';
import { renderScoreCurveSvg } from './score-curve-svg.js';

export interface NeedleReportContext {
  readonly title: string;
  /** Model, adapter, date, command. */
  readonly subtitle: readonly string[];
  /** Rows for the summary table (task, haystack, seed…). */
  readonly facts: readonly (readonly [string, string])[];
}

function table(rows: readonly (readonly string[])[], numericFrom = 1): string {
  const [header = [], ...body] = rows;
  const th = header.map((cell, index) => `<th${index >= numericFrom ? ' class="num"' : ''}>${escapeHtml(cell)}</th>`).join('');
  const trs = body.map((row) => `<tr>${row.map((cell, index) => `<td${index >= numericFrom ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

function shorten(text: string | null, limit = 240): string {
  if (text === null) return '';
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function cellRows(records: readonly NeedleRecord[]): string {
  return records
    .map((r) => {
      const statusClass = r.status === 'ok' ? (r.score === 1 ? 'ok' : 'bad') : r.status === 'exceeds_context' ? 'skip' : 'bad';
      const cells = [
        escapeHtml(r.key),
        `${formatTokenCount(r.length_target)}<br><span class="note">${r.length_actual ?? '—'}</span>`,
        `${r.depth_target}<br><span class="note">${r.depth_actual ?? '—'}</span>`,
        `<span class="${statusClass}">${escapeHtml(r.status)}</span>`,
        r.score === null ? '—' : r.score.toFixed(2),
        escapeHtml(r.needles.map((n) => n.text).join(' / ')),
        escapeHtml(shorten(r.output ?? r.error ?? '')),
      ];
      return `<tr class="needle-record" data-length="${r.length_target}" data-depth="${r.depth_target}" data-status="${escapeHtml(r.status)}">${cells.map((c, i) => `<td${i === 4 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
}

export function needleSections(summary: NeedleSummary, records: readonly NeedleRecord[], context: NeedleReportContext): HtmlSection[] {
  const effective = summary.effectiveLength === null ? `no length reaches ${summary.threshold}` : formatTokenCount(summary.effectiveLength);
  const facts: [string, string][] = [
    ...context.facts.map(([k, v]): [string, string] => [k, v]),
    ['overall mean score', summary.overall === null ? '—' : summary.overall.toFixed(3)],
    [`effective length (mean ≥ ${summary.threshold})`, effective],
    ['cells', `${summary.counts.ok} scored, ${summary.counts.exceeds_context} exceed the context (not run), ${summary.counts.error} errors`],
  ];
  return [
    {
      id: 'needle-summary',
      title: 'Summary',
      body: `<table class="needle-facts">${facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
    },
    {
      id: 'needle-heatmap',
      title: 'Heatmap',
      body: `${renderHeatmapSvg(summary, context.title)}\n<p class="note">Mean score per cell over repeats (red 0 → yellow → green 1). Hatched: the prompt exceeds the model's context, not run. Click a cell to list its records below. Also saved as heatmap.svg and heatmap.png.</p>`,
    },
    {
      id: 'needle-curve',
      title: 'Score by length',
      body: `${renderScoreCurveSvg(summary)}\n${table(lineRows(summary.byLength, 'length', formatTokenCount))}`,
    },
    {
      id: 'needle-depths',
      title: 'Score by depth',
      body: `${table(lineRows(summary.byDepth, 'depth %', (at) => String(at)))}\n<h3>Grid</h3>\n${table(gridRows(summary))}`,
    },
    {
      id: 'needle-cells',
      title: 'Cells',
      body: `<div><select id="needle-status"><option value="">all statuses</option><option>ok</option><option>exceeds_context</option><option>error</option></select><button id="needle-clear" type="button">show all cells</button> <span id="needle-count" class="note"></span></div>
<table id="needle-records"><thead><tr><th>key</th><th>length<br><span class="note">actual</span></th><th>depth %<br><span class="note">actual</span></th><th>status</th><th class="num">score</th><th>needles</th><th>output / error</th></tr></thead><tbody>
${cellRows(records)}
</tbody></table>`,
    },
  ];
}

/** Page script: filter the cell table by status and by a clicked heatmap cell. */
export const NEEDLE_REPORT_SCRIPT = `
(function () {
  var filter = { length: null, depth: null };
  var status = document.getElementById('needle-status');
  var count = document.getElementById('needle-count');
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.needle-record'));
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (!status.value || row.dataset.status === status.value) &&
        (filter.length === null || (row.dataset.length === filter.length && row.dataset.depth === filter.depth));
      row.style.display = visible ? '' : 'none';
      if (visible) shown += 1;
    });
    count.textContent = shown + ' of ' + rows.length + ' records' + (filter.length === null ? '' : ' (length ' + filter.length + ', depth ' + filter.depth + '%)');
  }
  status.addEventListener('change', apply);
  document.getElementById('needle-clear').addEventListener('click', function () { filter = { length: null, depth: null }; status.value = ''; apply(); });
  Array.prototype.forEach.call(document.querySelectorAll('.needle-heatmap .needle-cell'), function (cell) {
    cell.style.cursor = 'pointer';
    cell.addEventListener('click', function () {
      filter = { length: cell.getAttribute('data-length'), depth: cell.getAttribute('data-depth') };
      apply();
      document.getElementById('needle-cells').scrollIntoView();
    });
  });
  apply();
})();
`;

export function renderNeedleReport(summary: NeedleSummary, records: readonly NeedleRecord[], context: NeedleReportContext): string {
  return renderHtmlPage({ title: context.title, subtitle: context.subtitle, sections: needleSections(summary, records, context), script: NEEDLE_REPORT_SCRIPT });
}
