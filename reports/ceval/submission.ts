/**
 * C-Eval test-split predictions in the official submission shape: `{subject: {id: "A"|…}}` with ids as
 * strings (hkust-nlp/ceval submission_example.json). Skipped questions have no prediction and are left out.
 */
import type { CevalRecord } from '../../harness/ceval/record.js';

export function submissionJson(records: readonly CevalRecord[], subjectOrder: readonly string[]): Record<string, Record<string, string>> {
  const bySubject: Record<string, Record<string, string>> = {};
  const sorted = [...records].sort((a, b) => subjectOrder.indexOf(a.subject) - subjectOrder.indexOf(b.subject) || a.row - b.row);
  for (const record of sorted) {
    if (record.extracted === null) continue;
    (bySubject[record.subject] ??= {})[record.id] = record.extracted;
  }
  return bySubject;
}
