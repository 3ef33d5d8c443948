/**
 * Files for a complete contamination run (used by the runner and report tests).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContaminationPlan } from '../../harness/contamination/runner.js';
import { loadItemFile, overlapText } from '../../harness/contamination/items.js';
import { DEFAULT_NGRAM_RULES } from '../../harness/contamination/ngram-index.js';
import { choiceItemsCsv, syntheticChoiceItems } from './synthetic-choice-items.js';

/**
 * A complete contamination run on files: a benchmark CSV of 30 items the scripted model memorised,
 * 10 of them planted in a corpus; a reference JSONL of 30 fresh items; a ceval-style run folder and
 * Contamination_Detector annotations for 24 of the 30 items.
 */
export function contaminationFixture(): { dir: string; plan: ContaminationPlan; cevalRun: string; annotations: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gnomon-contamination-'));
  const benchmarkFile = join(dir, 'quiz.csv');
  writeFileSync(benchmarkFile, choiceItemsCsv(syntheticChoiceItems(30, 'members', 'quiz')));
  const referenceFile = join(dir, 'fresh.jsonl');
  writeFileSync(referenceFile, syntheticChoiceItems(30, 'fresh', 'fresh').map((i) => JSON.stringify({ question: i.question, ...i.choices, answer: i.answer })).join('\n'));
  const benchmark = loadItemFile(benchmarkFile, '--dataset');
  const reference = loadItemFile(referenceFile, '--reference');
  const corpusDir = join(dir, 'corpus');
  mkdirSync(corpusDir);
  writeFileSync(join(corpusDir, 'web.txt'), benchmark.slice(0, 10).map((item) => `Some page text.\n${overlapText(item)}\nmore text`).join('\n\n'));
  writeFileSync(join(corpusDir, 'notes.bin'), 'ignored');
  // A ceval run: items 0–9 (planted, "dirty") all right; 10–29 right one time in two.
  const cevalRun = join(dir, 'ceval-run');
  mkdirSync(cevalRun);
  writeFileSync(join(cevalRun, 'records.jsonl'), benchmark.map((item) => JSON.stringify({ subject: item.subject, id: item.id, row: item.row, mode: 'ppl', correct: item.row < 10 || item.row % 2 === 0, status: 'ok' })).join('\n') + '\n');
  const annotations = join(dir, 'annotations.json');
  const labels: Record<string, string[]> = {};
  for (const item of benchmark.slice(0, 24)) labels[item.key] = [item.row < 10 ? 'input-and-label contamination' : 'clean'];
  writeFileSync(annotations, JSON.stringify(labels));
  const plan: ContaminationPlan = {
    benchmark, reference, probes: ['ngram', 'likelihood', 'option_order'], corpus: [corpusDir], corpusField: 'text',
    rules: DEFAULT_NGRAM_RULES, minKPercent: 20, orders: 24, seed: 'seed', batchSize: 4,
  };
  return { dir, plan, cevalRun, annotations };
}
