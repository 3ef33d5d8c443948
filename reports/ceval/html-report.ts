/**
 * The run's HTML report: summary tables, the per-subject bar chart with 95% error bars, and a
 * browser of every question (prompt, the four letter scores or the generated output, extracted
 * answer, target) filtered by subject, outcome and text. One self-contained file: the question data
 * is embedded as JSON and rendered by an inline script; prompts share their subject's few-shot
 * prefix, stored once per subject to keep the file small.
 */
import type { CevalRecord } from '../../harness/ceval/record.js';
import type { CevalRunInfo } from '../../harness/ceval/run-info.js';
import { escapeHtml, jsonForScript, renderHtmlPage } from '../html-page.js';
import { accuracyBarChart } from './bar-chart.js';
import { latestRecords, type CevalSummary } from './summary.js';
import { summaryRows } from './tables.js';

function commonPrefix(texts: readonly string[]): string {
  if (texts.length < 2) return '';
  let prefix = texts[0] ?? '';
  for (const text of texts) {
    let i = 0;
    while (i < prefix.length && i < text.length && prefix.charCodeAt(i) === text.charCodeAt(i)) i += 1;
    prefix = prefix.slice(0, i);
  }
  // Cut back to a line start so that each question's own text (what the search box matches) stays whole.
  return prefix.slice(0, prefix.lastIndexOf('\n') + 1);
}

/** Compact question rows for the page script. */
export function browserData(records: readonly CevalRecord[]) {
  const bySubject = new Map<string, string[]>();
  for (const r of records) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r.prompt]);
  const prefixes = Object.fromEntries([...bySubject].map(([subject, prompts]) => [subject, commonPrefix(prompts)]));
  return {
    prefixes,
    questions: records.map((r) => ({
      subject: r.subject, id: r.id, row: r.row, status: r.status, target: r.target, extracted: r.extracted, correct: r.correct,
      choices: r.choices ?? null, output: r.output ?? null, skipReason: r.skip_reason ?? null, tokens: r.prompt_tokens,
      promptTail: r.prompt.slice((prefixes[r.subject] ?? '').length),
    })),
  };
}

const fixed = (value: number | null): string => (value === null || Number.isNaN(value) ? '–' : value.toFixed(2));

function summaryTable(summary: CevalSummary): string {
  const rows = summaryRows(summary);
  const head = ['dataset', 'version', 'metric', 'mode', summary.model, 'n', '95% CI', 'weighted', 'no answer', 'skipped', 'subjects'];
  const numeric = new Set([4, 5, 6, 7, 8, 9]);
  const body = rows.map((r) => {
    const cells = [r.dataset, r.version, r.metric, r.mode, fixed(r.value), String(r.count), r.ciLow === null ? '–' : `${fixed(r.ciLow)}–${fixed(r.ciHigh)}`,
      fixed(r.weighted), String(r.noAnswer), String(r.skipped), r.subjects ?? '–'];
    return `<tr${r.metric === 'naive_average' ? ' class="group-row"' : ''}>${cells.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<table id="summary-table"><thead><tr>${head.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

const BROWSER_SCRIPT = `
const data = JSON.parse(document.getElementById('question-data').textContent);
const tbody = document.querySelector('#question-table tbody');
const subjectFilter = document.getElementById('filter-subject');
const outcomeFilter = document.getElementById('filter-outcome');
const searchFilter = document.getElementById('filter-text');
const shownCount = document.getElementById('shown-count');
function outcomeOf(q) {
  if (q.status !== 'ok') return 'skipped';
  if (q.extracted === null) return 'no-answer';
  if (q.correct === null) return 'unlabelled';
  return q.correct ? 'correct' : 'wrong';
}
function cell(tr, text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
function scoreText(q) {
  if (q.choices) return ['A', 'B', 'C', 'D'].map((l) => l + ' ' + (q.choices[l] === null ? '–' : q.choices[l].toFixed(3))).join('  ');
  if (q.output !== null) return JSON.stringify(q.output);
  return q.skipReason || '';
}
for (const subject of [...new Set(data.questions.map((q) => q.subject))]) {
  const option = document.createElement('option'); option.value = subject; option.textContent = subject; subjectFilter.appendChild(option);
}
const rows = data.questions.map((q, index) => {
  const tr = document.createElement('tr');
  const outcome = outcomeOf(q);
  tr.className = 'question-row';
  tr.dataset.subject = q.subject; tr.dataset.outcome = outcome;
  tr.dataset.search = (q.subject + ' ' + q.id + ' ' + q.promptTail + ' ' + (q.output || '')).toLowerCase();
  cell(tr, q.subject); cell(tr, q.id, 'num'); cell(tr, q.target || '–'); cell(tr, q.extracted || '–');
  cell(tr, { correct: '✓ correct', wrong: '✗ wrong', 'no-answer': 'no answer', skipped: 'skipped', unlabelled: '(no label)' }[outcome],
    outcome === 'correct' ? 'ok' : outcome === 'skipped' ? 'skip' : outcome === 'unlabelled' ? '' : 'bad');
  cell(tr, scoreText(q), 'scores');
  tr.addEventListener('click', () => {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('detail-row')) { next.remove(); return; }
    const detail = document.createElement('tr'); detail.className = 'detail-row';
    const td = document.createElement('td'); td.colSpan = 6;
    const info = document.createElement('p'); info.className = 'note';
    info.textContent = 'row ' + q.row + ' · prompt ' + q.tokens + ' tokens · target ' + (q.target || '–') + ' · extracted ' + (q.extracted || '–');
    const pre = document.createElement('pre'); pre.textContent = (data.prefixes[q.subject] || '') + q.promptTail;
    td.appendChild(info); td.appendChild(pre);
    if (q.output !== null) { const out = document.createElement('pre'); out.className = 'output'; out.textContent = 'output: ' + q.output; td.appendChild(out); }
    detail.appendChild(td); tr.after(detail);
  });
  tbody.appendChild(tr);
  return tr;
});
function applyFilter() {
  const subject = subjectFilter.value, outcome = outcomeFilter.value, text = searchFilter.value.trim().toLowerCase();
  let shown = 0;
  for (const tr of rows) {
    const visible = (subject === '' || tr.dataset.subject === subject) && (outcome === '' || tr.dataset.outcome === outcome)
      && (text === '' || tr.dataset.search.includes(text));
    tr.hidden = !visible;
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('detail-row')) next.hidden = !visible;
    if (visible) shown += 1;
  }
  shownCount.textContent = shown + ' of ' + rows.length + ' questions shown';
}
subjectFilter.addEventListener('change', applyFilter);
outcomeFilter.addEventListener('change', applyFilter);
searchFilter.addEventListener('input', applyFilter);
applyFilter();
`;

export function cevalHtmlReport(info: CevalRunInfo, summary: CevalSummary, allRecords: readonly CevalRecord[], runHeader?: string): string {
  const records = latestRecords(allRecords);
  const overall = summary.groups.find((g) => g.name === summary.dataset);
  const bars = summary.subjects.filter((s) => s.count > 0).map((s) => ({ label: s.subject, value: s.accuracy, low: s.interval.low, high: s.interval.high, count: s.count }));
  const chart = summary.labelled && bars.length > 0
    ? accuracyBarChart(bars, overall?.complete ? overall.meanAccuracy : undefined, `${summary.dataset} accuracy per subject, ${summary.model}, ${summary.mode}`)
    : '<p class="note">No labelled questions scored: nothing to chart.</p>';
  const outcomes = `<option value="">all outcomes</option><option value="correct">correct</option><option value="wrong">wrong</option>`
    + `<option value="no-answer">no answer</option><option value="skipped">skipped</option>${summary.labelled ? '' : '<option value="unlabelled">no label</option>'}`;
  const browser = `<div><select id="filter-subject"><option value="">all subjects</option></select><select id="filter-outcome">${outcomes}</select>`
    + `<input type="search" id="filter-text" placeholder="search question text or output" size="40"><span id="shown-count" class="note"></span></div>`
    + '<p class="note">Click a question to see its full prompt.</p>'
    + '<table id="question-table"><thead><tr><th>subject</th><th class="num">id</th><th>target</th><th>extracted</th><th>outcome</th>'
    + `<th>${summary.mode === 'ppl' ? (summary.compat === 'gnomon' ? 'log p(letter | prompt)' : 'mean log p over the whole sequence (OpenCompass)') : 'output'}</th></tr></thead><tbody></tbody></table>`
    + `<script type="application/json" id="question-data">${jsonForScript(browserData(records))}</script>`;
  const overview = [
    `<p>${summary.questions} questions: ${summary.scored} scored, ${summary.correct} correct, ${summary.noAnswer} with no answer, ${summary.skipped} skipped${summary.errors > 0 ? `, ${summary.errors} errors (not scored; --resume retries them)` : ''}`
      + `${overall ? (overall.complete
        ? ` · ${escapeHtml(summary.dataset)} average ${fixed(overall.meanAccuracy)} (question-weighted ${fixed(overall.weightedAccuracy)})`
        : ` · ${escapeHtml(summary.dataset)} average – (partial: ${overall.subjectsPresent} of ${overall.subjectsTotal} subjects ran)`) : ''}.</p>`,
    `<p class="note">95% confidence intervals: ${escapeHtml(summary.confidenceMethod)}. Group rows: naive_average is the unweighted mean over subjects (what OpenCompass prints); weighted is correct/scored over the group's questions.</p>`,
    summaryTable(summary),
  ].join('\n');
  return renderHtmlPage({
    title: `harness ceval — ${summary.dataset} (${summary.split}) · ${summary.model}`,
    subtitle: [
      `model ${info.model.name} (${info.model.device}, context ${info.model.contextLength}) · mode ${info.mode} · ${info.chat ? 'chat template' : 'plain text'} · ${info.shots}-shot · version ${info.version}`,
      `data ${info.source} · started ${info.started}`,
      `command: ${info.command}`,
    ],
    sections: [
      { id: 'summary', title: 'Summary', body: overview },
      { id: 'chart', title: 'Accuracy per subject', body: chart },
      { id: 'questions', title: 'Questions', body: browser },
    ],
    script: BROWSER_SCRIPT,
    ...(runHeader ? { runHeader } : {}),
  });
}
