/**
 * Writes a subjective run's reports from its run directory alone (run.json + records.jsonl):
 * summary.txt/.md/.csv/.json and report.html. `harness subjective --report RUN` calls only this.
 */
import { readRunHeader, runHeaderHtml } from '../run-header.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rethrowFileSystemError } from '../../harness/file-errors.js';
import { readJsonl, readRunInfo } from '../../harness/records.js';
import { RECORDS_FILE, type SubjectiveRecord } from '../../harness/subjective/record.js';
import { parseSubjectiveRunInfo } from '../../harness/subjective/run-info.js';
import { subjectiveHtmlReport } from './html-report.js';
import { uniqueJudgements, summarizeSubjectiveRun, type SubjectiveSummary } from './summary.js';
import { summaryJson, summaryMarkdown, summaryTables, summaryText, tableCsv } from './tables.js';

export interface WrittenSubjectiveReport {
  readonly summary: SubjectiveSummary;
  readonly text: string;
  readonly files: readonly string[];
}

export function writeSubjectiveReport(runDir: string): WrittenSubjectiveReport {
  const info = parseSubjectiveRunInfo(readRunInfo(runDir), runDir);
  const records = uniqueJudgements(readJsonl<SubjectiveRecord>(join(runDir, RECORDS_FILE)));
  const summary = summarizeSubjectiveRun(info, records);
  const text = summaryText(summary);
  const [main] = summaryTables(summary);
  const outputs: [string, string][] = [
    ['summary.txt', `${text}\n`],
    ['summary.md', summaryMarkdown(summary)],
    ['summary.csv', `${main ? tableCsv(main) : ''}\n`],
    ['summary.json', summaryJson(summary)],
    ['report.html', subjectiveHtmlReport(info, summary, records, runHeaderHtml(readRunHeader(runDir, 'subjective')))],
  ];
  const files = outputs.map(([name, content]) => {
    const file = join(runDir, name);
    try {
      writeFileSync(file, content);
    } catch (error) {
      rethrowFileSystemError(error, file, 'writing the report');
    }
    return file;
  });
  return { summary, text, files };
}
