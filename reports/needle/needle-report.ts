/**
 * The needle sections of a run's HTML report (heatmap, curve, means, summary, every cell) and the
 * standalone page. Clicking a heatmap cell highlights it, keeps it in the URL (#cell=LENGTH:DEPTH, so
 * a link opens the same view), filters the cell table to it and expands its records: each needle in
 * the neighbourhood it was placed in (answer, link and distractor needles labelled), the question,
 * the expected answer and the model's output. Status and score have separate colours (a finished
 * cell is "ok" whatever its score); model text is escaped, control characters made visible.
 */
import { formatTokenCount } from '../../harness/needle/grid.js';
import type { NeedleRecord } from '../../harness/needle/needle-record.js';
import { escapeHtml, renderHtmlPage, type HtmlSection } from '../html-page.js';
import type { FigureLabels } from './heatmap-layout.js';
import { renderHeatmapSvg } from './heatmap-svg.js';
import type { NeedleSummary } from './needle-summary.js';
import { gridRows, lineRows } from './needle-tables.js';
import { cssColour, scoreColour, textColour, type Palette } from './score-colour.js';
import { renderScoreCurveSvg } from './score-curve-svg.js';
import { visibleTextHtml } from './visible-text.js';

export interface NeedleReportContext {
  readonly title: string;
  /** Model, adapter, date, command. */
  readonly subtitle: readonly string[];
  /** Rows for the summary table (task, haystack, seed…). */
  readonly facts: readonly (readonly [string, string])[];
  /** What the figures' titles name. */
  readonly figure: FigureLabels;
  readonly palette?: Palette;
  /** The shared run header (reports/run-header.ts), as trusted HTML. */
  readonly runHeader?: string;
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

const STATUS_CLASS: Readonly<Record<NeedleRecord['status'], string>> = { ok: 'status-ok', exceeds_context: 'status-ctx', error: 'status-error' };

function scoreCell(record: NeedleRecord, palette: Palette): string {
  if (record.score === null) return '<td class="num">—</td>';
  const fill = scoreColour(record.score, palette);
  const label = record.needlebench ? `${record.score.toFixed(2)}<br><span class="note">NB ${record.needlebench.score.toFixed(1)}</span>` : record.score.toFixed(2);
  return `<td class="num score" style="background:${cssColour(fill)};color:${cssColour(textColour(fill))}">${label}</td>`;
}

/** The needles in their neighbourhoods, the question, the expected answer and the output. */
function detailHtml(record: NeedleRecord): string {
  const needles = record.needles.map((fact) => {
    const where = `depth ${fact.depth_actual}% (target ${fact.depth_target}%${fact.placement ? `, ${fact.placement === 'token' ? 'inside a sentence' : 'on a sentence boundary'}` : ''})`;
    const around = fact.context_before !== undefined
      ? `<pre class="neighbourhood">…${visibleTextHtml(fact.context_before)}<mark>${visibleTextHtml(fact.text)}</mark>${visibleTextHtml(fact.context_after ?? '')}…</pre>`
      : `<pre class="neighbourhood"><mark>${visibleTextHtml(fact.text)}</mark></pre>`;
    return `<div class="needle-fact"><span class="role role-${fact.role}">${fact.role}</span> <span class="note">${escapeHtml(where)}</span>${around}</div>`;
  }).join('');
  return [
    needles,
    `<p><b>question</b> ${visibleTextHtml(record.question ?? '—')}</p>`,
    `<p><b>expected</b> ${visibleTextHtml(record.expected.join(', ') || '—')}${record.needlebench ? ` <span class="note">(NeedleBench gold: ${visibleTextHtml(record.needlebench.gold)})</span>` : ''}</p>`,
    `<p><b>output</b></p><pre class="output">${visibleTextHtml(record.output ?? record.error ?? '—')}</pre>`,
  ].join('');
}

function cellRows(records: readonly NeedleRecord[], palette: Palette): string {
  return records
    .map((r) => {
      const flagged = r.depth_flagged === true;
      const cells = [
        `<td><button type="button" class="needle-expand" aria-expanded="false">▸</button> ${escapeHtml(r.key)}</td>`,
        `<td>${formatTokenCount(r.length_target)}<br><span class="note">${r.length_actual ?? '—'}</span></td>`,
        `<td${flagged ? ' class="flag"' : ''}>${r.depth_target}<br><span class="note">${r.depth_actual ?? '—'}${flagged ? ' ⚑ off' : ''}</span></td>`,
        `<td><span class="${STATUS_CLASS[r.status]}">${escapeHtml(r.status)}</span></td>`,
        scoreCell(r, palette),
        `<td>${visibleTextHtml(r.needles.map((n) => n.text).join(' / '))}</td>`,
        `<td>${visibleTextHtml(shorten(r.output ?? r.error ?? ''))}</td>`,
      ];
      const data = `data-length="${r.length_target}" data-depth="${r.depth_target}" data-status="${escapeHtml(r.status)}"`;
      return `<tr class="needle-record" ${data}>${cells.join('')}</tr>\n<tr class="needle-detail" ${data} hidden><td colspan="7">${detailHtml(r)}</td></tr>`;
    })
    .join('\n');
}

const STYLE = `<style>
.status-ok { color: #1b5e20; } .status-ctx { color: #6d5300; } .status-error { color: #b3261e; font-weight: 600; }
td.flag { outline: 2px dashed rgb(214,39,40); outline-offset: -3px; }
.needle-cell.selected { stroke: #000; stroke-width: 3; }
.needle-expand { font: inherit; border: none; background: none; cursor: pointer; padding: 0 4px; }
.role { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #e3e6ea; }
.role-answer { background: #d7ecff; } .role-link { background: #efe3ff; } .role-distractor { background: #ffe3d6; }
pre.neighbourhood mark { background: #fff2a8; }
.ctl { color: #b3261e; background: #fde8e7; border-radius: 2px; font-family: monospace; }
</style>`;

export function needleSections(summary: NeedleSummary, records: readonly NeedleRecord[], context: NeedleReportContext): HtmlSection[] {
  const palette = context.palette ?? 'viridis';
  const effective = summary.effectiveLength === null ? `no length reaches ${summary.threshold}` : formatTokenCount(summary.effectiveLength);
  const facts: [string, string][] = [
    ...context.facts.map(([k, v]): [string, string] => [k, v]),
    ['overall mean score', summary.overall === null ? '—' : summary.overall.toFixed(3)],
    ...(summary.needlebench ? [[`NeedleBench ${summary.needlebench.version} ${summary.needlebench.task} score (0–100)`, summary.needlebench.mean === null ? '—' : summary.needlebench.mean.toFixed(2)] as [string, string]] : []),
    [`effective length (mean ≥ ${summary.threshold})`, effective],
    ['cells', `${summary.counts.ok} scored (${summary.counts.flagged} flagged: needle more than 1 point off its depth, left out of the means), ${summary.counts.exceeds_context} exceed the context (not run), ${summary.counts.error} errors`],
  ];
  return [
    {
      id: 'needle-summary',
      title: 'Summary',
      body: `${STYLE}<table class="needle-facts">${facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
    },
    {
      id: 'needle-heatmap',
      title: 'Heatmap',
      body: `${renderHeatmapSvg(summary, { labels: context.figure, palette })}\n<p class="note">Mean score per cell over repeats (${palette} palette). Hatched: the prompt exceeds the model's context, not run. Grey: error. Red dashed outline: a needle missed its depth by more than 1 point (shown, left out of the means and the effective length). Click a cell to see its records and prompts below; the address keeps the cell. Also saved as heatmap.svg and heatmap.png.</p>`,
    },
    {
      id: 'needle-curve',
      title: 'Score by length',
      body: `${renderScoreCurveSvg(summary, { labels: context.figure })}\n${table(lineRows(summary.byLength, 'length', formatTokenCount))}`,
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
${cellRows(records, palette)}
</tbody></table>`,
    },
  ];
}

/** Page script: filter by status and clicked cell, highlight it, keep it in the URL, expand records. */
export const NEEDLE_REPORT_SCRIPT = `
(function () {
  var filter = { length: null, depth: null };
  var status = document.getElementById('needle-status');
  var count = document.getElementById('needle-count');
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.needle-record'));
  var cells = Array.prototype.slice.call(document.querySelectorAll('.needle-heatmap .needle-cell'));
  function expand(row, open) {
    var detail = row.nextElementSibling;
    if (!detail || !detail.classList.contains('needle-detail')) return;
    detail.hidden = !open;
    row.querySelector('.needle-expand').setAttribute('aria-expanded', String(open));
    row.querySelector('.needle-expand').textContent = open ? '▾' : '▸';
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var inCell = filter.length === null || (row.dataset.length === filter.length && row.dataset.depth === filter.depth);
      var visible = (!status.value || row.dataset.status === status.value) && inCell;
      row.style.display = visible ? '' : 'none';
      expand(row, visible && filter.length !== null);
      if (!visible) row.nextElementSibling.hidden = true;
      if (visible) shown += 1;
    });
    cells.forEach(function (cell) {
      cell.classList.toggle('selected', cell.getAttribute('data-length') === filter.length && cell.getAttribute('data-depth') === filter.depth);
    });
    count.textContent = shown + ' of ' + rows.length + ' records' + (filter.length === null ? '' : ' (length ' + filter.length + ', depth ' + filter.depth + '%)');
  }
  function select(length, depth) {
    filter = { length: length, depth: depth };
    var hash = length === null ? '' : '#cell=' + length + ':' + depth;
    if (location.hash !== hash) history.replaceState(null, '', hash === '' ? location.pathname + location.search : hash);
    apply();
  }
  status.addEventListener('change', apply);
  document.getElementById('needle-clear').addEventListener('click', function () { status.value = ''; select(null, null); });
  rows.forEach(function (row) {
    row.querySelector('.needle-expand').addEventListener('click', function () { expand(row, row.nextElementSibling.hidden); });
  });
  cells.forEach(function (cell) {
    cell.style.cursor = 'pointer';
    cell.addEventListener('click', function () {
      select(cell.getAttribute('data-length'), cell.getAttribute('data-depth'));
      document.getElementById('needle-cells').scrollIntoView();
    });
  });
  var fromUrl = /^#cell=([^:]+):(.+)$/.exec(location.hash);
  if (fromUrl) select(decodeURIComponent(fromUrl[1]), decodeURIComponent(fromUrl[2])); else apply();
})();
`;

export function renderNeedleReport(summary: NeedleSummary, records: readonly NeedleRecord[], context: NeedleReportContext): string {
  return renderHtmlPage({ title: context.title, subtitle: context.subtitle, sections: needleSections(summary, records, context), script: NEEDLE_REPORT_SCRIPT, ...(context.runHeader ? { runHeader: context.runHeader } : {}) });
}
