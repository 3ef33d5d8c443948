/**
 * Writes a contamination run's report files from its records: summary.json, summary.md, items.csv
 * and report.html. Never calls a model.
 */
import { readRunHeader, runHeaderHtml } from '../run-header.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl, uniqueByKey } from '../../harness/records.js';
import { CONTAMINATION_RECORDS_FILE, contaminationRecordKey, type ContaminationRecord } from '../../harness/contamination/contamination-records.js';
import { summariseContamination, type ContaminationSummary, type ImpactInputs } from './contamination-summary.js';
import { itemsCsv, summaryMarkdown } from './contamination-tables.js';
import { renderContaminationPage } from './contamination-html.js';

export interface WrittenReport {
  readonly summary: ContaminationSummary;
  readonly files: readonly string[];
}

/** Histogram values are left out of summary.json (they are in records.jsonl and items.csv). */
function summaryForJson(summary: ContaminationSummary): unknown {
  return {
    ...summary,
    likelihood: summary.likelihood.map((m) => ({
      ...m,
      benchmark: { n: m.benchmark.n, mean: m.benchmark.mean, median: m.benchmark.median },
      reference: m.reference ? { n: m.reference.n, mean: m.reference.mean, median: m.reference.median } : null,
    })),
  };
}

export function writeContaminationReport(runDir: string, subtitle: readonly string[], impact?: ImpactInputs): WrittenReport {
  const records = uniqueByKey(readJsonl<ContaminationRecord>(join(runDir, CONTAMINATION_RECORDS_FILE)), contaminationRecordKey);
  const summary = summariseContamination(records, impact);
  const files = {
    'summary.json': `${JSON.stringify(summaryForJson(summary), null, 2)}\n`,
    'summary.md': `# Contamination report\n\n${subtitle.map((l) => `- ${l}`).join('\n')}\n\n${summaryMarkdown(summary)}`,
    'items.csv': itemsCsv(records),
    'report.html': renderContaminationPage(summary, records, subtitle, runHeaderHtml(readRunHeader(runDir, 'contamination'))),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(runDir, name), text);
  return { summary, files: Object.keys(files).map((name) => join(runDir, name)) };
}
