/**
 * The summary tables, shaped like OpenCompass's subjective summaries: MT-Bench's capability table
 * (model | total | writing … humanities, plus FastChat's first/second turn), AlignBench's capability
 * table (模型 | 总分 | 中文推理 | 数学计算 … | 中文语言 | …) and dimension table, a compare-mode table of
 * win rates per category with the position-bias row; each with sample sizes, bootstrap intervals,
 * parse failures and skips beside the numbers. Rendered as text (terminal), Markdown, CSV and JSON.
 */
import { ALIGNBENCH_GROUPS } from '../../harness/subjective/alignbench.js';
import type { BootstrapInterval } from '../../harness/subjective/bootstrap.js';
import { MTBENCH_CATEGORIES } from '../../harness/subjective/mtbench.js';
import type { ModelScores, ScoreCell, WinRates } from '../../harness/subjective/statistics.js';
import type { SubjectiveSummary } from './summary.js';

export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** What the numbers mean, printed under the table. */
  readonly note?: string;
}

export const fixed = (value: number | undefined, digits = 2): string => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
export const percent = (value: number): string => (Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : '-');
export const interval = (i: BootstrapInterval | null | undefined, scale = 1, digits = 2): string =>
  (!i || !Number.isFinite(i.low) ? '-' : `${(i.low * scale).toFixed(digits)}–${(i.high * scale).toFixed(digits)}${i.undefinedResamples > 0 ? ` (${i.undefinedResamples} undefined)` : ''}`);

function cellText(cell: ScoreCell | undefined): string {
  return cell && cell.n > 0 ? fixed(cell.mean) : '-';
}

function categoriesOf(summary: SubjectiveSummary): string[] {
  if (summary.preset === 'mtbench') return [...MTBENCH_CATEGORIES];
  const seen = new Set(summary.scores.flatMap((s) => [...s.byCategory.keys()]));
  return [...seen];
}

function scoreTable(summary: SubjectiveSummary): Table {
  const ci = '95% CI';
  if (summary.preset === 'alignbench') {
    const headers = ['模型', '总分', ci];
    for (const g of ALIGNBENCH_GROUPS) headers.push(g.name, ...g.categories);
    headers.push('n', 'parse failures', 'skipped');
    const rows = summary.scores.map((s) => {
      const total = s.groups.get('总分');
      const row = [s.model, cellText(total), interval(total?.interval)];
      for (const g of ALIGNBENCH_GROUPS) row.push(cellText(s.groups.get(g.name)), ...g.categories.map((c) => cellText(s.byCategory.get(c))));
      row.push(String(s.overall.n), String(s.parseFailures), String(s.skipped));
      return row;
    });
    return { title: `AlignBench capability scores (judge ${summary.judge})`, headers, rows, note: '总分 = mean of 中文推理 and 中文语言; each = mean of its category means (scores 0–10, AlignBench\'s grouping).' };
  }
  const categories = categoriesOf(summary);
  const turns = [...new Set(summary.scores.flatMap((s) => [...s.byTurn.keys()]))].sort((a, b) => a - b);
  const headers = ['model', 'total', ci, ...categories, ...turns.map((t) => `turn ${t}`), 'n', 'parse failures', 'skipped'];
  const rows = summary.scores.map((s) => [
    s.model, cellText(s.overall), interval(s.overall.interval), ...categories.map((c) => cellText(s.byCategory.get(c))),
    ...turns.map((t) => cellText(s.byTurn.get(t))), String(s.overall.n), String(s.parseFailures), String(s.skipped),
  ]);
  return { title: `MT-Bench scores (judge ${summary.judge})`, headers, rows, note: 'total = mean of every readable 1–10 rating (both turns); interval: bootstrap over questions.' };
}

function categoryIntervals(summary: SubjectiveSummary): Table {
  const rows: string[][] = [];
  const pushCell = (model: string, name: string, cell: ScoreCell | undefined): void => {
    if (cell) rows.push([model, name, fixed(cell.mean), String(cell.n), interval(cell.interval)]);
  };
  for (const s of summary.scores) {
    for (const [name, cell] of s.groups) pushCell(s.model, name, cell);
    for (const c of categoriesOf(summary)) pushCell(s.model, c, s.byCategory.get(c));
    for (const [turn, cell] of s.byTurn) if (s.byTurn.size > 1) pushCell(s.model, `turn ${turn}`, cell);
  }
  return { title: 'Scores with 95% bootstrap intervals', headers: ['model', 'category', 'mean', 'n', '95% CI'], rows };
}

function dimensionTable(scores: readonly ModelScores[]): Table {
  const dimensions = [...new Set(scores.flatMap((s) => [...s.dimensions.keys()]))];
  return {
    title: 'AlignBench dimension scores', headers: ['模型', ...dimensions],
    rows: scores.map((s) => [s.model, ...dimensions.map((d) => { const v = s.dimensions.get(d); return v ? `${fixed(v.mean)} (n ${v.n})` : '-'; })]),
  };
}

function winRow(name: string, opponent: string, w: WinRates): string[] {
  return [name, opponent, String(w.wins), String(w.ties), String(w.losses), String(w.inconsistent), String(w.parseFailures), String(w.skipped),
    percent(w.winRate), percent(w.winRateTiesHalf), interval(w.interval, 100, 1), percent(w.winRateDecisive)];
}

function pairwiseTables(summary: SubjectiveSummary): Table[] {
  const tables: Table[] = [{
    title: `Pairwise results (judge ${summary.judge}${summary.baseline ? `, baseline ${summary.baseline}` : ''})`,
    headers: ['model', 'opponent', 'win', 'tie', 'loss', 'order flips', 'left out: unreadable', 'left out: skipped', 'win rate', 'win rate (tie ½)', '95% CI (tie ½)', 'win rate (no ties)'],
    rows: summary.pairwise.map((p) => winRow(p.candidate, p.opponent, p.overall)),
    note: 'win rate = wins/all; tie ½ = (wins + ties/2)/all; no ties = wins/(wins+losses). A verdict that flips with the answer order counts as a tie (order flips). Pairs (question, turn, repeat) with an unreadable reply or a skip in either order are left out and counted.',
  }];
  const categories = categoriesOf(summary).filter((c) => summary.pairwise.some((p) => p.byCategory.has(c)));
  const columns = summary.pairwise.map((p) => (summary.baseline ? p.candidate : `${p.candidate} vs ${p.opponent}`));
  tables.push({
    title: 'Win rate (tie ½) by category, OpenCompass compare-mode layout', headers: ['', ...columns],
    rows: [
      ['overall', ...summary.pairwise.map((p) => percent(p.overall.winRateTiesHalf))],
      ['order flips', ...summary.pairwise.map((p) => String(p.overall.inconsistent))],
      ...categories.map((c) => [c, ...summary.pairwise.map((p) => { const w = p.byCategory.get(c); return w ? percent(w.winRateTiesHalf) : '-'; })]),
    ],
  });
  const bt = summary.bradleyTerry;
  if (bt) {
    tables.push(bt.ok
      ? { title: 'Bradley–Terry ratings (Elo scale)', headers: ['model', 'rating', '95% CI'], rows: bt.rows.map((r) => [r.model, fixed(r.rating, 1), interval(r.interval, 1, 1)]), note: `1000 + 400·log10 strength${summary.baseline ? `, ${summary.baseline} anchored at 1000` : ', geometric mean at 1000'}; ties count half; intervals: bootstrap over questions.` }
      : { title: 'Bradley–Terry ratings (Elo scale)', headers: ['model', 'rating'], rows: [], note: bt.reason });
  }
  return tables;
}

function diagnosticsTable(summary: SubjectiveSummary): Table {
  const d = summary.diagnostics;
  const rows: string[][] = [
    ['judge replies', String(d.judged)],
    ['parse failures', `${d.parseFailures} (${percent(d.parseFailureRate)})`],
    ['skipped (no answer / prompt too long)', String(d.skipped)],
  ];
  if (summary.mode === 'pairwise') {
    rows.push(
      ['position consistency (same winner after the swap)', `${d.consistentPairs}/${d.pairsWithBothOrders} (${percent(d.positionConsistency)})`],
      ['flips favouring the first / second position', `${d.firstPositionFlips} / ${d.secondPositionFlips}`],
      ['wins by the longer answer', `${d.longerAnswerWins}/${d.decisiveWithLengthDifference} (${percent(d.longerAnswerWinShare)})`],
    );
  }
  return { title: 'Diagnostics', headers: ['what', 'value'], rows };
}

export function summaryTables(summary: SubjectiveSummary): Table[] {
  if (summary.mode === 'score') {
    const tables = [scoreTable(summary), categoryIntervals(summary)];
    if (summary.preset === 'alignbench') tables.push(dimensionTable(summary.scores));
    return [...tables, diagnosticsTable(summary)];
  }
  return [...pairwiseTables(summary), diagnosticsTable(summary)];
}

function widthOf(text: string): number {
  // CJK characters take two terminal columns.
  let width = 0;
  for (const char of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1;
  return width;
}

export function tableText(table: Table): string {
  const all = [table.headers, ...table.rows];
  const widths = table.headers.map((_, c) => Math.max(...all.map((row) => widthOf(row[c] ?? ''))));
  const line = (row: readonly string[]): string => row.map((cell, c) => cell + ' '.repeat((widths[c] ?? 0) - widthOf(cell))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [table.title, line(table.headers), rule, ...table.rows.map(line), ...(table.note ? [table.note] : [])].join('\n');
}

export function tableMarkdown(table: Table): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [`### ${table.title}`, '', `| ${table.headers.map(escape).join(' | ')} |`, `| ${table.headers.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`), ...(table.note ? ['', table.note] : [])].join('\n');
}

export function tableCsv(table: Table): string {
  const quote = (cell: string): string => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  return [table.headers, ...table.rows].map((row) => row.map(quote).join(',')).join('\n');
}

export function summaryText(summary: SubjectiveSummary): string {
  return summaryTables(summary).map(tableText).join('\n\n');
}

export function summaryMarkdown(summary: SubjectiveSummary): string {
  return `${summaryTables(summary).map(tableMarkdown).join('\n\n')}\n`;
}

/** Maps (ModelScores' Map fields) become plain objects in JSON. */
export function summaryJson(summary: SubjectiveSummary): string {
  return `${JSON.stringify(summary, (_key, value: unknown) => (value instanceof Map ? Object.fromEntries(value) : value), 2)}\n`;
}
