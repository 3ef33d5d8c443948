/**
 * report.html for a subjective run: the summary tables and diagnostics, then every judgement in a
 * filterable list (model, category, turn, status, text); clicking one opens its drill-down — the
 * question turns, the judged answers side by side in the order the judge saw them, the judge's raw
 * reply, the parsed verdict or why it could not be read, and the full prompt.
 */
import type { SubjectiveRecord } from '../../harness/subjective/record.js';
import type { SubjectiveRunInfo } from '../../harness/subjective/run-info.js';
import { escapeHtml, jsonForScript, renderHtmlPage } from '../html-page.js';
import type { SubjectiveSummary } from './summary.js';
import { summaryTables, type Table } from './tables.js';

function tableHtml(table: Table, withTitle = true): string {
  const numeric = (cell: string): boolean => /^[-+]?[0-9.]+(%|\s|$)/.test(cell);
  const head = `<tr>${table.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = table.rows.map((row) => `<tr>${row.map((cell) => `<td${numeric(cell) ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `${withTitle ? `<h3>${escapeHtml(table.title)}</h3>` : ''}<table class="summary-table">${head}\n${body}</table>${table.note ? `<p class="note">${escapeHtml(table.note)}</p>` : ''}`;
}

interface BrowserRow {
  readonly key: string;
  readonly q: string;
  readonly category: string;
  readonly turn: number;
  readonly models: readonly string[];
  readonly candidate: string;
  readonly order: string;
  readonly status: string;
  readonly verdict: string;
  readonly reason: string;
  readonly question: readonly string[];
  readonly answers: readonly (readonly string[])[];
  readonly reply: string;
  readonly template: string;
  readonly prompt: string;
}

function verdictText(record: SubjectiveRecord): string {
  const v = record.verdict;
  if (v === null) return record.status === 'parse_failure' ? 'unreadable' : record.status;
  if ('score' in v) return v.dimensions ? `${v.score} ${JSON.stringify(v.dimensions)}` : String(v.score);
  return v.winner === 'tie' ? 'tie' : `${v.winner} (${v.winner_model ?? ''})`;
}

function browserRows(records: readonly SubjectiveRecord[]): BrowserRow[] {
  return records.map((r) => ({
    key: r.key, q: r.question_id, category: r.category, turn: r.turn, models: r.models, candidate: r.candidate, order: r.order ?? '',
    status: r.status, verdict: verdictText(r), reason: r.reason ?? '', question: r.question,
    answers: r.models.map((m) => r.answers[m] ?? []), reply: r.reply ?? '', template: r.judge_template,
    prompt: `${r.system_prompt === '' ? '' : `[system]\n${r.system_prompt}\n\n`}[user]\n${r.user_prompt}`,
  }));
}

const SCRIPT = `
const rows = JSON.parse(document.getElementById('judgement-data').textContent);
const table = document.getElementById('judgement-table');
const filters = ['filter-model', 'filter-category', 'filter-turn', 'filter-status'].map((id) => document.getElementById(id));
const text = document.getElementById('filter-text');
const shown = document.getElementById('shown-count');
function el(tag, cls, content) { const e = document.createElement(tag); if (cls) e.className = cls; if (content !== undefined) e.textContent = content; return e; }
function detail(row) {
  const box = el('div', 'drill');
  box.appendChild(el('h4', '', 'Question ' + row.q + ' · turn ' + row.turn + ' · ' + row.template));
  row.question.forEach((turn, i) => { box.appendChild(el('div', 'label', 'User, turn ' + (i + 1))); box.appendChild(el('pre', 'question-text', turn)); });
  const side = el('div', 'answers');
  side.style.gridTemplateColumns = 'repeat(' + row.models.length + ', minmax(0, 1fr))';
  row.models.forEach((model, i) => {
    const col = el('div', 'answer');
    col.appendChild(el('div', 'label', (row.models.length > 1 ? 'Assistant ' + 'AB'[i] + ': ' : 'Answer: ') + model));
    (row.answers[i] || []).forEach((turn, t) => { col.appendChild(el('div', 'label', 'turn ' + (t + 1))); col.appendChild(el('pre', 'answer-text', turn)); });
    side.appendChild(col);
  });
  box.appendChild(side);
  box.appendChild(el('div', 'label', 'Judge reply'));
  box.appendChild(el('pre', 'judge-reply', row.reply === '' ? '(no reply: ' + row.status + ')' : row.reply));
  box.appendChild(el('p', row.status === 'ok' ? 'ok' : 'bad', 'Verdict: ' + row.verdict + (row.reason ? ' — ' + row.reason : '')));
  const prompt = el('details'); prompt.appendChild(el('summary', '', 'Judge prompt'));
  prompt.appendChild(el('pre', 'judge-prompt', row.prompt)); box.appendChild(prompt);
  return box;
}
function render() {
  const [model, category, turn, status] = filters.map((f) => f.value);
  const needle = text.value.trim().toLowerCase();
  table.querySelectorAll('tr.judgement-row, tr.detail-row').forEach((tr) => tr.remove());
  let count = 0;
  rows.forEach((row) => {
    if (model && !row.models.includes(model)) return;
    if (category && row.category !== category) return;
    if (turn && String(row.turn) !== turn) return;
    if (status && row.status !== status) return;
    if (needle && !(row.question.join(' ') + ' ' + row.reply + ' ' + row.q).toLowerCase().includes(needle)) return;
    count += 1;
    const tr = el('tr', 'judgement-row');
    [row.q, row.category, String(row.turn), row.models.join(' vs '), row.order, row.verdict, row.status].forEach((c, i) => {
      const td = el('td', i === 6 ? (row.status === 'ok' ? 'ok' : row.status === 'skipped' ? 'skip' : 'bad') : '', c); tr.appendChild(td);
    });
    tr.addEventListener('click', () => {
      const next = tr.nextElementSibling;
      if (next && next.classList.contains('detail-row')) { next.remove(); return; }
      const d = el('tr', 'detail-row'); const td = el('td'); td.colSpan = 7; td.appendChild(detail(row)); d.appendChild(td); tr.after(d);
    });
    table.appendChild(tr);
  });
  shown.textContent = count + ' of ' + rows.length + ' judgements shown';
}
filters.forEach((f) => f.addEventListener('change', render));
text.addEventListener('input', render);
render();
`;

const EXTRA_STYLE = `<style>
.answers { display: grid; gap: 12px; } .answer { min-width: 0; } .label { font-weight: 600; margin-top: 6px; color: var(--muted); }
tr.judgement-row { cursor: pointer; } tr.judgement-row:hover { background: var(--soft); } .drill h4 { margin: 4px 0; }
</style>`;

function options(id: string, label: string, values: readonly string[]): string {
  return `<label>${escapeHtml(label)} <select id="${id}"><option value="">all</option>${values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('')}</select></label>`;
}

export function subjectiveHtmlReport(info: SubjectiveRunInfo, summary: SubjectiveSummary, records: readonly SubjectiveRecord[], runHeader?: string): string {
  const models = [...new Set(records.flatMap((r) => r.models))];
  const categories = [...new Set(records.map((r) => r.category))];
  const turns = [...new Set(records.map((r) => String(r.turn)))].sort();
  const statuses = [...new Set(records.map((r) => r.status))];
  const tables = summaryTables(summary);
  const browser = `${options('filter-model', 'model', models)}${options('filter-category', 'category', categories)}${options('filter-turn', 'turn', turns)}${options('filter-status', 'status', statuses)}
<input type="search" id="filter-text" placeholder="search questions and replies"> <span id="shown-count" class="note"></span>
<table id="judgement-table"><tr><th>question</th><th>category</th><th>turn</th><th>models (A vs B)</th><th>order</th><th>verdict</th><th>status</th></tr></table>
<script type="application/json" id="judgement-data">${jsonForScript(browserRows(records))}</script>${EXTRA_STYLE}`;
  return renderHtmlPage({
    ...(runHeader ? { runHeader } : {}),
    title: `${info.preset} · ${info.mode} · judged by ${info.judge.name}`,
    subtitle: [
      `judge: ${info.judge.name} (${info.judge.source}; checkpoint ${info.judge.checkpointHash}; ${info.judge.device})`,
      `answers: ${info.sources.map((s) => `${s.model} (${s.source})`).join(', ')}${info.baseline ? ` · baseline ${info.baseline}` : ''}`,
      `${info.questions} questions from ${info.questionSource} · ${summary.records} judgements · bootstrap ${summary.bootstrap.resamples} resamples, seed ${summary.bootstrap.seed}`,
      `started ${info.started} · harness ${info.command}`,
    ],
    sections: [
      { id: 'summary', title: 'Summary', body: tables.filter((t) => t.title !== 'Diagnostics').map((t) => tableHtml(t)).join('\n') },
      { id: 'diagnostics', title: 'Diagnostics', body: tables.filter((t) => t.title === 'Diagnostics').map((t) => tableHtml(t, false)).join('\n') },
      { id: 'judgements', title: 'Judgements', body: browser },
    ],
    script: SCRIPT,
  });
}
