/**
 * The suite's report.html: the OpenCompass table (a column per model), the (model, task) runs with
 * their status and a link to each run's own report, and needle heatmaps side by side per task.
 */
import { relative } from 'node:path';
import { escapeHtml, renderHtmlPage, type HtmlSection } from '../html-page.js';
import { renderHeatmapSvg } from '../needle/heatmap-svg.js';
import type { SuiteTable, SuiteTaskColumn } from './suite-table.js';
import { needleFigureLabels } from '../../harness/needle/needle-run.js';

export interface SuitePageContext {
  readonly title: string;
  readonly subtitle: readonly string[];
  /** Folder the page is written to (links are relative to it). */
  readonly dir: string;
}

function tableSection(table: SuiteTable): HtmlSection {
  const head = ['dataset', 'version', 'metric', 'mode', ...table.models].map((h, i) => `<th${i >= 4 ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = table.rows.map((row) => `<tr data-task="${escapeHtml(row.task)}"><td>${escapeHtml(row.dataset)}</td><td>${escapeHtml(row.version)}</td><td>${escapeHtml(row.metric)}</td><td>${escapeHtml(row.mode)}</td>${row.cells
    .map((cell) => `<td class="num"${cell.note ? ` title="${escapeHtml(cell.note)}"` : ''}>${escapeHtml(cell.text)}${cell.note ? `<br><span class="note">${escapeHtml(cell.note)}</span>` : ''}</td>`).join('')}</tr>`).join('\n');
  return {
    id: 'summary', title: 'Summary',
    body: `<table id="suite-table"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>
<p class="note">Values are percent (accuracy, or needle score × 100); group rows are OpenCompass's naive_average (unweighted mean over subjects), shown only when every subject of the group ran. "-" means no number, with the reason under it.</p>`,
  };
}

function runsSection(models: readonly string[], tasks: readonly SuiteTaskColumn[], dir: string): HtmlSection {
  const head = `<tr><th>task</th>${models.map((m) => `<th>${escapeHtml(m)}</th>`).join('')}</tr>`;
  const body = tasks.map((task) => `<tr><td>${escapeHtml(task.label)}</td>${task.runs.map((slot) => {
    if ('missing' in slot) return `<td class="skip">${escapeHtml(slot.missing)}</td>`;
    const link = relative(dir, `${slot.run.dir}/report.html`);
    const status = slot.run.status === 'finished' ? 'ok' : 'skip';
    return `<td><span class="${status}">${escapeHtml(slot.run.status)}</span> · ${escapeHtml(slot.run.headline.text)}<br><a class="run-link" href="${escapeHtml(link)}">${escapeHtml(relative(dir, slot.run.dir))}</a></td>`;
  }).join('')}</tr>`).join('\n');
  return { id: 'runs', title: 'Runs', body: `<table id="suite-runs">${head}\n${body}</table>` };
}

function heatmapSections(tasks: readonly SuiteTaskColumn[], models: readonly string[]): HtmlSection[] {
  return tasks.flatMap((task) => {
    const maps = task.runs.map((slot, index) => ('run' in slot && slot.run.kind === 'needle' ? renderHeatmapSvg(slot.run.summary, { labels: { ...needleFigureLabels(slot.run.needleInfo), model: `${models[index] ?? ''}: ${task.label}` } }) : null));
    if (maps.every((svg) => svg === null)) return [];
    return [{
      id: `heatmaps-${task.label}`, title: `Heatmaps: ${task.label}`,
      body: `<div style="display:flex;flex-wrap:wrap;gap:16px">${maps.map((svg) => (svg === null ? '' : `<div>${svg}</div>`)).join('')}</div>`,
    }];
  });
}

export function renderSuiteReport(table: SuiteTable, tasks: readonly SuiteTaskColumn[], context: SuitePageContext): string {
  return renderHtmlPage({
    title: context.title,
    subtitle: context.subtitle,
    sections: [tableSection(table), runsSection(table.models, tasks, context.dir), ...heatmapSections(tasks, table.models)],
  });
}
