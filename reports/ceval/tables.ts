/**
 * Summary tables in OpenCompass's shape — dataset | version | metric | mode | <model> — with the
 * sample count, the 95% interval, "no answer" and skips beside it, as text (terminal), CSV,
 * Markdown and JSON. Group rows carry OpenCompass's unweighted mean over subjects (`naive_average`)
 * and the question-weighted accuracy in its own column.
 */
import type { CevalSummary } from './summary.js';

export interface SummaryRow {
  readonly dataset: string;
  readonly version: string;
  readonly metric: string;
  readonly mode: string;
  /** Percent (accuracy or naive average); NaN when nothing was scored. */
  readonly value: number;
  readonly count: number;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** Question-weighted accuracy (groups only). */
  readonly weighted: number | null;
  readonly noAnswer: number;
  readonly skipped: number;
  /** "n/n" subjects present, or "partial k/n" when some are missing (then value and weighted are '-'); groups only. */
  readonly subjects: string | null;
}

function rowName(summary: CevalSummary, subject: string): string {
  return subject === summary.dataset ? subject : `${summary.dataset}-${subject}`;
}

export function summaryRows(summary: CevalSummary): SummaryRow[] {
  const metric = summary.labelled ? 'accuracy' : 'predictions';
  const rows: SummaryRow[] = summary.subjects.map((s) => ({
    dataset: rowName(summary, s.subject), version: summary.subjectVersions?.[s.subject] ?? summary.version, metric, mode: summary.mode,
    value: summary.labelled ? s.accuracy : Number.NaN, count: s.count,
    ciLow: summary.labelled && s.count > 0 ? s.interval.low : null, ciHigh: summary.labelled && s.count > 0 ? s.interval.high : null,
    weighted: null, noAnswer: s.noAnswer, skipped: s.skipped, subjects: null,
  }));
  for (const g of summary.groups) {
    rows.push({
      dataset: g.name, version: '-', metric: 'naive_average', mode: summary.mode, value: g.meanAccuracy, count: g.count,
      ciLow: null, ciHigh: null, weighted: g.weightedAccuracy, noAnswer: g.noAnswer, skipped: g.skipped,
      subjects: g.complete ? `${g.subjectsPresent}/${g.subjectsTotal}` : `partial ${g.subjectsPresent}/${g.subjectsTotal}`,
    });
  }
  return rows;
}

const fixed = (value: number | null): string => (value === null || Number.isNaN(value) ? '-' : value.toFixed(2));

function cells(summary: CevalSummary, row: SummaryRow): string[] {
  return [
    row.dataset, row.version, row.metric, row.mode, fixed(row.value), String(row.count),
    row.ciLow === null ? '-' : `${fixed(row.ciLow)}–${fixed(row.ciHigh)}`, fixed(row.weighted),
    String(row.noAnswer), String(row.skipped), row.subjects ?? '-',
  ];
}

function headers(summary: CevalSummary): string[] {
  return ['dataset', 'version', 'metric', 'mode', summary.model, 'n', '95% CI', 'weighted', 'no answer', 'skipped', 'subjects'];
}

/** Terminal width of text: CJK and full-width characters take two columns. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    width += (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x20000 && code <= 0x3fffd) ? 2 : 1;
  }
  return width;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** The aligned plain-text table OpenCompass prints, plus the footer lines. */
export function summaryText(summary: CevalSummary): string {
  const table = [headers(summary), ...summaryRows(summary).map((row) => cells(summary, row))];
  const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => displayWidth(row[column] ?? '')))) ?? [];
  const line = (row: readonly string[]): string => row.map((cell, column) => pad(cell, widths[column] ?? 0)).join('  ').trimEnd();
  const [head, ...body] = table;
  const footer = [
    `${summary.questions} questions: ${summary.scored} scored, ${summary.correct} correct, ${summary.noAnswer} with no answer, ${summary.skipped} skipped${summary.errors > 0 ? `, ${summary.errors} errors (not scored; --resume retries them)` : ''}.`,
    `n = questions scored; 95% CI = ${summary.confidenceMethod}; group rows: naive_average = unweighted mean over subjects (OpenCompass), weighted = correct/scored over the group's questions.`,
  ];
  if (summary.compat !== 'gnomon') {
    footer.push(`Prompts and scoring reproduce ${summary.compat}${summary.mode === 'ppl' ? ' (ppl: lowest mean token loss over each whole sequence)' : ''}; version = each subject's OpenCompass config hash.`);
  }
  const extractorNames: Record<string, string> = {
    'first-capital': 'first-capital extractor (OpenCompass first_capital_postprocess)',
    'option-sim': 'option-sim extractor (OpenCompass OptionSimAccEvaluator)',
    gnomon: 'gnomon extractor',
  };
  if (summary.extractor !== undefined) footer.push(`Answers read with the ${extractorNames[summary.extractor] ?? summary.extractor}.`);
  if (summary.fewerShots > 0) footer.push(`${summary.fewerShots} questions ran with fewer than ${summary.shots} shots (shots dropped from the end until the prompt fit max_seq_len, as OpenCompass does).`);
  const partial = summary.groups.filter((g) => !g.complete);
  if (partial.length > 0) footer.push(`Partial groups (${partial.map((g) => g.name).join(', ')}): not every member subject ran, so they show '-', not a score.`);
  if (!summary.labelled) footer.push(`${summary.split} split has no answers: predictions are in submission.json (official C-Eval submission format).`);
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), '', ...footer].join('\n') + '\n';
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV numbers are numbers or empty (pandas reads '-' as text); the subjects column says why one is missing. */
const csvNumber = (value: number | null): string => (value === null || Number.isNaN(value) ? '' : value.toFixed(2));

export function summaryCsv(summary: CevalSummary): string {
  const head = ['dataset', 'version', 'metric', 'mode', summary.model, 'n', 'ci95_low', 'ci95_high', 'weighted_accuracy', 'no_answer', 'skipped', 'subjects'];
  const body = summaryRows(summary).map((r) => [
    r.dataset, r.version === '-' ? '' : r.version, r.metric, r.mode, csvNumber(r.value), String(r.count), csvNumber(r.ciLow), csvNumber(r.ciHigh), csvNumber(r.weighted),
    String(r.noAnswer), String(r.skipped), r.subjects ?? '',
  ]);
  return [head, ...body].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

export function summaryMarkdown(summary: CevalSummary): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const head = headers(summary);
  const body = summaryRows(summary).map((row) => cells(summary, row));
  return [
    `| ${head.map(escape).join(' | ')} |`,
    `|${head.map((_, i) => (i >= 4 && i <= 9 ? '---:' : '---')).join('|')}|`,
    ...body.map((row) => `| ${row.map(escape).join(' | ')} |`),
    '',
    `${summary.questions} questions: ${summary.scored} scored, ${summary.correct} correct, ${summary.noAnswer} with no answer, ${summary.skipped} skipped${summary.errors > 0 ? `, ${summary.errors} errors (not scored; --resume retries them)` : ''}. 95% CI: ${summary.confidenceMethod}.`,
  ].join('\n') + '\n';
}

export function summaryJson(summary: CevalSummary): string {
  const clean = (value: number): number | null => (Number.isNaN(value) ? null : Number(value.toFixed(4)));
  return `${JSON.stringify({
    ...summary,
    subjects: summary.subjects.map((s) => ({ ...s, accuracy: clean(s.accuracy), interval: { low: clean(s.interval.low), high: clean(s.interval.high) } })),
    groups: summary.groups.map((g) => ({ ...g, meanAccuracy: clean(g.meanAccuracy), weightedAccuracy: clean(g.weightedAccuracy) })),
    rows: summaryRows(summary),
  }, (_key, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? null : value), 2)}\n`;
}
