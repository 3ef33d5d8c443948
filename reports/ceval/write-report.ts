/**
 * Writes a C-Eval run's report files from its run directory alone (run.json + records.jsonl):
 * summary.txt/.csv/.md/.json, report.html and, for an unlabelled C-Eval test split, submission.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { readAnswer, type Extractor, type OptionContext } from '../../harness/ceval/answer-extraction.js';
import { readJsonl, readRunInfo } from '../../harness/records.js';
import { RECORDS_FILE, type CevalRecord } from '../../harness/ceval/record.js';
import { parseCevalRunInfo } from '../../harness/ceval/run-info.js';
import { cevalHtmlReport } from './html-report.js';
import { submissionJson } from './submission.js';
import { latestRecords, summarizeRun, type CevalSummary } from './summary.js';
import { summaryCsv, summaryJson, summaryMarkdown, summaryText } from './tables.js';
import { questionsCsv } from './questions-csv.js';
import { readRunHeader, runHeaderHtml } from '../run-header.js';

export interface WrittenReport {
  readonly summary: CevalSummary;
  readonly text: string;
  readonly files: readonly string[];
}

/**
 * A gen record with its answer read again by `extractor` (no model needed: the reply is in the
 * record). ppl and skipped records are unchanged.
 */
export function reextract(record: CevalRecord, extractor: Extractor): CevalRecord {
  if (record.mode !== 'gen' || record.status !== 'ok' || record.output === undefined) return record;
  let options: OptionContext | undefined;
  if (extractor === 'option-sim') {
    if (!record.option_texts || record.compat === undefined || record.compat === 'gnomon') {
      throw new UserError(`--extract option-sim: the record of ${record.subject} row ${record.row} has no options' texts or OpenCompass version`, 'option-sim rescoring needs a --compat --custom gen run; use --extract first-capital or gnomon');
    }
    options = { choices: record.option_texts, version: record.compat };
  }
  const { prediction, extracted } = readAnswer(record.output, extractor, options);
  return { ...record, extractor, prediction, extracted, correct: record.target === null ? null : prediction === record.target };
}

export interface ReportOptions {
  /** Rescore a gen run with this extractor; the files get its name (`summary-first-capital.txt`, …) beside the originals. */
  readonly extractor?: Extractor | undefined;
}

export function writeCevalReport(runDir: string, options: ReportOptions = {}): WrittenReport {
  const savedInfo = parseCevalRunInfo(readRunInfo(runDir), runDir);
  const { extractor } = options;
  if (extractor !== undefined && savedInfo.mode !== 'gen') {
    throw new UserError(`--extract ${extractor}: ${runDir} is a ${savedInfo.mode} run; only gen runs read letters from replies`, 'drop --extract for this run');
  }
  const info = extractor === undefined ? savedInfo : { ...savedInfo, extractor };
  const saved = readJsonl<CevalRecord>(join(runDir, RECORDS_FILE));
  const records = extractor === undefined ? saved : saved.map((r) => reextract(r, extractor));
  const summary = summarizeRun(info, records);
  const text = summaryText(summary);
  const suffix = extractor === undefined ? '' : `-${extractor}`;
  const outputs: [string, string][] = [
    [`summary${suffix}.txt`, text],
    [`summary${suffix}.csv`, summaryCsv(summary)],
    [`questions${suffix}.csv`, questionsCsv(latestRecords(records))],
    [`summary${suffix}.md`, summaryMarkdown(summary)],
    [`summary${suffix}.json`, summaryJson(summary)],
    [`report${suffix}.html`, cevalHtmlReport(info, summary, records, runHeaderHtml(readRunHeader(runDir, 'ceval')))],
  ];
  if (!info.labelled && info.dataset === 'ceval') {
    // The submission carries the predictions of the chosen extractor too.
    outputs.push([`submission${suffix}.json`, `${JSON.stringify(submissionJson(latestRecords(records), info.subjects.map((s) => s.subject)), null, 4)}\n`]);
  }
  const files = outputs.map(([name, content]) => {
    const file = join(runDir, name);
    writeFileSync(file, content);
    return file;
  });
  return { summary, text, files };
}
