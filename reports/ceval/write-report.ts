/**
 * Writes a C-Eval run's report files from its run directory alone (run.json + records.jsonl):
 * summary.txt/.csv/.md/.json, report.html and, for an unlabelled C-Eval test split, submission.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl, readRunInfo } from '../../harness/records.js';
import { RECORDS_FILE, type CevalRecord } from '../../harness/ceval/record.js';
import { parseCevalRunInfo } from '../../harness/ceval/run-info.js';
import { cevalHtmlReport } from './html-report.js';
import { submissionJson } from './submission.js';
import { latestRecords, summarizeRun, type CevalSummary } from './summary.js';
import { summaryCsv, summaryJson, summaryMarkdown, summaryText } from './tables.js';

export interface WrittenReport {
  readonly summary: CevalSummary;
  readonly text: string;
  readonly files: readonly string[];
}

export function writeCevalReport(runDir: string): WrittenReport {
  const info = parseCevalRunInfo(readRunInfo(runDir), runDir);
  const records = readJsonl<CevalRecord>(join(runDir, RECORDS_FILE));
  const summary = summarizeRun(info, records);
  const text = summaryText(summary);
  const outputs: [string, string][] = [
    ['summary.txt', text],
    ['summary.csv', summaryCsv(summary)],
    ['summary.md', summaryMarkdown(summary)],
    ['summary.json', summaryJson(summary)],
    ['report.html', cevalHtmlReport(info, summary, records)],
  ];
  if (!info.labelled && info.dataset === 'ceval') {
    outputs.push(['submission.json', `${JSON.stringify(submissionJson(latestRecords(records), info.subjects.map((s) => s.subject)), null, 4)}\n`]);
  }
  const files = outputs.map(([name, content]) => {
    const file = join(runDir, name);
    writeFileSync(file, content);
    return file;
  });
  return { summary, text, files };
}
