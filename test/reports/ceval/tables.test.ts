import { describe, expect, it } from 'vitest';
import { CEVAL_RECORD_SCHEMA, type CevalRecord } from '../../../harness/ceval/record.js';
import { CEVAL_RUN_SCHEMA, type CevalRunInfo } from '../../../harness/ceval/run-info.js';
import { accuracyBarChart } from '../../../reports/ceval/bar-chart.js';
import { cevalHtmlReport } from '../../../reports/ceval/html-report.js';
import { summarizeRun } from '../../../reports/ceval/summary.js';
import { displayWidth, summaryCsv, summaryJson, summaryMarkdown, summaryText } from '../../../reports/ceval/tables.js';

export const RUN_INFO: CevalRunInfo = {
  schema: CEVAL_RUN_SCHEMA, command: 'ceval --mode gen', started: '2026-01-01T00:00:00.000Z', dataset: 'ceval', split: 'val', labelled: true,
  source: 'test', mode: 'gen', chat: true, shots: 5, promptStyle: 'ceval-opencompass-v1', maxOutLen: 16, limit: null, batchSize: 8,
  version: 'abc123', model: { name: 'tiny-model', checkpointHash: 'h', device: 'scripted', contextLength: 4096 },
  subjects: [
    { subject: 'computer_network', englishName: 'Computer Network', promptName: '计算机网络', categories: ['STEM'] },
    { subject: 'advanced_mathematics', englishName: 'Advanced Mathematics', promptName: '高等数学', categories: ['STEM'] },
    { subject: 'logic', englishName: 'Logic', promptName: '逻辑学', categories: ['Humanities'] },
  ],
  groups: [
    { name: 'ceval-stem', subjects: ['computer_network', 'advanced_mathematics'] },
    { name: 'ceval-humanities', subjects: ['logic'] },
    { name: 'ceval-hard', subjects: ['advanced_mathematics', 'college_physics'] },
    { name: 'ceval', subjects: ['computer_network', 'advanced_mathematics', 'logic'] },
  ],
};

/** Hand-made records: `pattern` is one character per question: c correct, w wrong, n no answer, s skipped. */
export function handMadeRecords(subject: string, pattern: string): CevalRecord[] {
  return [...pattern].map((kind, row) => ({
    schema: CEVAL_RECORD_SCHEMA, dataset: 'ceval', split: 'val', subject, id: String(row), row, mode: 'gen',
    prompt_hash: '000000000000', prompt: `<s>shared few-shot prefix for ${subject}\n问题 ${row} <script>alert(1)</script>`, prompt_tokens: 100,
    output: kind === 'c' ? 'A' : kind === 'w' ? 'B' : kind === 'n' ? '不知道' : undefined,
    extracted: kind === 'c' ? 'A' : kind === 'w' ? 'B' : null, target: 'A',
    correct: kind === 's' ? null : kind === 'c', n_tokens: kind === 's' ? 0 : 101, ms: 5,
    status: kind === 's' ? 'skipped' : 'ok', ...(kind === 's' ? { skip_reason: 'prompt is 5000 tokens' } : {}),
  }));
}

export const RECORDS = [
  ...handMadeRecords('computer_network', 'ccccwwwwns'), // 4 / 9 scored, 1 no answer, 1 skipped
  ...handMadeRecords('advanced_mathematics', 'cwww'), // 1 / 4
  ...handMadeRecords('logic', 'ccw'), // 2 / 3
];

describe('summary tables', () => {
  const summary = summarizeRun(RUN_INFO, RECORDS);

  it('computes subject and group rows from the records', () => {
    expect(summary.subjects.map((s) => [s.subject, s.count, s.correct, s.noAnswer, s.skipped])).toEqual([
      ['computer_network', 9, 4, 1, 1], ['advanced_mathematics', 4, 1, 0, 0], ['logic', 3, 2, 0, 0],
    ]);
    const ceval = summary.groups.find((g) => g.name === 'ceval');
    expect(ceval?.meanAccuracy).toBeCloseTo((400 / 9 + 25 + 200 / 3) / 3, 10);
    expect(ceval?.weightedAccuracy).toBeCloseTo((100 * 7) / 16, 10);
    expect(summary.groups.find((g) => g.name === 'ceval-hard')).toMatchObject({ subjectsPresent: 1, subjectsTotal: 2, complete: false, meanAccuracy: Number.NaN });
  });

  it('never prints a partial group as a bare number: text, CSV, Markdown, JSON and HTML', () => {
    // ceval-hard has advanced_mathematics (25%) but not college_physics.
    const text = summaryText(summary);
    expect(text).toMatch(/\nceval-hard\s+-\s+naive_average\s+gen\s+-\s+4\s+-\s+-\s+0\s+0\s+partial 1\/2\n/);
    expect(text).toContain("Partial groups (ceval-hard): not every member subject ran, so they show '-', not a score.");
    expect(summaryCsv(summary)).toContain('\nceval-hard,,naive_average,gen,,4,,,,0,0,partial 1/2\n');
    expect(summaryMarkdown(summary)).toContain('| ceval-hard | - | naive_average | gen | - | 4 | - | - | 0 | 0 | partial 1/2 |');
    const json = JSON.parse(summaryJson(summary)) as { groups: { name: string; meanAccuracy: number | null; complete: boolean }[]; rows: { dataset: string; value: number | null }[] };
    expect(json.groups.find((g) => g.name === 'ceval-hard')).toMatchObject({ meanAccuracy: null, complete: false });
    expect(json.rows.find((r) => r.dataset === 'ceval-hard')?.value).toBeNull();
    const html = cevalHtmlReport(RUN_INFO, summary, RECORDS);
    expect(html).toMatch(/<td>ceval-hard<\/td><td>-<\/td><td>naive_average<\/td><td>gen<\/td><td class="num">–<\/td><td class="num">4<\/td><td class="num">–<\/td><td class="num">–<\/td><td class="num">0<\/td><td class="num">0<\/td><td>partial 1\/2<\/td>/);
    expect(html).not.toMatch(/ceval-hard<\/td>(<td[^>]*>[^<]*<\/td>){3}<td class="num">25\.00/);
    // A run of only some subjects: the overall line says partial instead of an average.
    const partialInfo: CevalRunInfo = { ...RUN_INFO, groups: [...RUN_INFO.groups.slice(0, 3), { name: 'ceval', subjects: ['computer_network', 'advanced_mathematics', 'logic', 'law'] }] };
    const partialHtml = cevalHtmlReport(partialInfo, summarizeRun(partialInfo, RECORDS), RECORDS);
    expect(partialHtml).toContain('ceval average – (partial: 3 of 4 subjects ran)');
    expect(partialHtml).not.toMatch(/ceval average \d/);
  });

  it('prints an OpenCompass-like aligned table', () => {
    const lines = summaryText(summary).split('\n');
    expect(lines[0]).toMatch(/^dataset\s+version\s+metric\s+mode\s+tiny-model\s+n\s+95% CI\s+weighted\s+no answer\s+skipped\s+subjects$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines[2]).toMatch(/^ceval-computer_network\s+abc123\s+accuracy\s+gen\s+44\.44\s+9\s+\d+\.\d\d–\d+\.\d\d\s+-\s+1\s+1\s+-$/);
    expect(lines.find((l) => l.startsWith('ceval ')) ?? '').toMatch(/^ceval\s+-\s+naive_average\s+gen\s+45\.37\s+16\s+-\s+43\.75\s+1\s+1\s+3\/3$/);
    // Columns line up: every row's "metric" starts at the same offset.
    const offset = lines[0]?.indexOf('metric');
    for (const line of lines.slice(2, 9)) expect(line.slice(offset).startsWith('accuracy') || line.slice(offset).startsWith('naive_average')).toBe(true);
    expect(summaryText(summary)).toContain('Wilson score interval');
  });

  it('writes CSV, Markdown and JSON with the same numbers', () => {
    const csv = summaryCsv(summary).split('\n');
    expect(csv[0]).toBe('dataset,version,metric,mode,tiny-model,n,ci95_low,ci95_high,weighted_accuracy,no_answer,skipped,subjects');
    expect(csv[1]).toMatch(/^ceval-computer_network,abc123,accuracy,gen,44\.44,9,\d+\.\d\d,\d+\.\d\d,,1,1,$/);
    expect(summaryMarkdown(summary)).toContain('| ceval | - | naive_average | gen | 45.37 | 16 |');
    const json = JSON.parse(summaryJson(summary)) as { subjects: { accuracy: number }[]; groups: { name: string }[] };
    expect(json.subjects[0]?.accuracy).toBeCloseTo(44.4444, 3);
    expect(json.groups.map((g) => g.name)).toEqual(['ceval-stem', 'ceval-humanities', 'ceval-hard', 'ceval']);
  });

  it('counts CJK characters as two columns', () => {
    expect(displayWidth('小学数学')).toBe(8);
    expect(displayWidth('ceval')).toBe(5);
  });

  it('draws one bar with an error bar per subject', () => {
    const svg = accuracyBarChart(summary.subjects.map((s) => ({ label: s.subject, value: s.accuracy, low: s.interval.low, high: s.interval.high, count: s.count })), 45, 'test');
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg.match(/class="error-bar"/g)).toHaveLength(3);
    expect(svg).toContain('chance 25%');
  });
});
