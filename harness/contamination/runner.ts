/**
 * Runs the contamination checks for one run directory: n-gram overlap against the corpora (one
 * streamed pass, then one record per item), likelihood probes (batched, a record per item as its
 * batch finishes) and the option-order probe (a record per item). Keys already in records.jsonl
 * are skipped, so a killed run resumes where it stopped. The model is opened only when a model
 * probe has work left.
 */
import { ProgressDisplay } from '../cli/progress.js';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { BatchRequestError, ModelRequestError, type LanguageModel } from '../../engine/language-model.js';
import { RecordWriter, finishedKeysRetryingErrors } from '../records.js';
import { failureRecord } from '../request-failures.js';
import type { ShardWork } from '../scale/shard.js';
import { contaminationWorkList } from '../scale/contamination-work.js';
import { BenchmarkNgramIndex, type NgramRules } from './ngram-index.js';
import { scanCorpus } from './corpus-scan.js';
import { scoreTexts } from './likelihood-probes.js';
import { isOptionOrderSkip, probeOptionOrder } from './option-order.js';
import { overlapText, probeText, type ContaminationItem } from './items.js';
import {
  CONTAMINATION_RECORDS_FILE, CONTAMINATION_RECORD_SCHEMA, CORPUS_SCAN_FILE, contaminationRecordKey,
  type ContaminationRecord, type ItemSet, type ProbeName,
} from './contamination-records.js';

export interface ContaminationPlan {
  readonly benchmark: readonly ContaminationItem[];
  readonly reference: readonly ContaminationItem[];
  readonly probes: readonly ProbeName[];
  readonly corpus: readonly string[];
  readonly corpusField: string;
  readonly rules: NgramRules;
  readonly minKPercent: number;
  readonly orders: number;
  readonly seed: string;
  readonly batchSize: number;
}

export interface RunCallbacks {
  /** Opens the model on first need. */
  readonly openModel: () => Promise<LanguageModel>;
  readonly log: (line: string) => void;
}

function identity(set: ItemSet, item: ContaminationItem): { schema: typeof CONTAMINATION_RECORD_SCHEMA; set: ItemSet; item_key: string; item_id: string; subject: string; row: number } {
  return { schema: CONTAMINATION_RECORD_SCHEMA, set, item_key: item.key, item_id: item.id, subject: item.subject, row: item.row };
}

/**
 * Runs what is missing from `runDir/records.jsonl`; returns the model if one was opened (caller disposes).
 * With `shard` (`--shard I/N`), only that shard's (probe, set, item) units, into the shard's records file.
 */
export async function runContamination(plan: ContaminationPlan, runDir: string, callbacks: RunCallbacks, shard?: ShardWork): Promise<LanguageModel | undefined> {
  const file = shard?.recordsFile ?? join(runDir, CONTAMINATION_RECORDS_FILE);
  // Error records (a served model's failed requests) are dropped so those items run again.
  const done = finishedKeysRetryingErrors<ContaminationRecord>(file, contaminationRecordKey);
  const writer = new RecordWriter<ContaminationRecord>(file);
  const kept = shard && new Set(shard.select(contaminationWorkList(plan), (unit) => unit.key, (unit) => unit.cost).map((unit) => unit.key));
  const missing = (probe: ProbeName, set: ItemSet, items: readonly ContaminationItem[]): ContaminationItem[] =>
    items.filter((item) => {
      const key = contaminationRecordKey({ probe, set, item_key: item.key });
      return !done.has(key) && (kept === undefined || kept.has(key));
    });

  if (plan.probes.includes('ngram') && plan.corpus.length > 0) {
    const todo = missing('ngram', 'benchmark', plan.benchmark);
    if (todo.length > 0) {
      // The scan is one pass over the corpus for all items; a resumed run rescans and writes the rest.
      const index = new BenchmarkNgramIndex(plan.benchmark.map(overlapText), plan.rules);
      let scan: ProgressDisplay | undefined;
      const stats = await scanCorpus(index, plan.corpus, {
        jsonlField: plan.corpusField,
        onProgress: (read, total) => {
          if (total === 0) return;
          scan ??= new ProgressDisplay('corpus scan', Math.ceil(total / 1e6), 'MB');
          scan.tick({ done: Math.floor(read / 1e6) });
        },
      }).finally(() => scan?.finish());
      writeFileSync(join(runDir, CORPUS_SCAN_FILE), `${JSON.stringify(stats, null, 2)}\n`);
      const overlaps = index.overlaps();
      const todoKeys = new Set(todo.map((item) => item.key));
      plan.benchmark.forEach((item, position) => {
        const ngram = overlaps[position];
        if (ngram && todoKeys.has(item.key)) writer.append({ ...identity('benchmark', item), probe: 'ngram', ngram });
      });
      callbacks.log(`n-gram overlap: ${stats.files.length} corpus file(s), ${(stats.bytes / 1e6).toFixed(1)} MB, ${stats.units} units scanned`);
      if (stats.skippedBinary.length > 0) callbacks.log(`  skipped ${stats.skippedBinary.length} binary file(s) (NUL bytes), e.g. ${stats.skippedBinary[0]?.file ?? ''}; listed in ${CORPUS_SCAN_FILE}`);
      if (stats.skippedNotRegular.length > 0) callbacks.log(`  skipped ${stats.skippedNotRegular.length} FIFO/socket/device file(s), e.g. ${stats.skippedNotRegular[0] ?? ''}`);
    }
  }

  let model: LanguageModel | undefined;
  const needModel = async (): Promise<LanguageModel> => {
    model ??= await callbacks.openModel();
    return model;
  };
  const sets: [ItemSet, readonly ContaminationItem[]][] = [['benchmark', plan.benchmark], ['reference', plan.reference]];

  if (plan.probes.includes('likelihood')) {
    for (const [set, items] of sets) {
      const todo = missing('likelihood', set, items);
      if (todo.length === 0) continue;
      const scoring = await needModel();
      const progress = new ProgressDisplay(`likelihood probes (${set})`, todo.length, 'items');
      await scoreTexts(scoring, todo.map(probeText), {
        kPercent: plan.minKPercent,
        batchSize: plan.batchSize,
        onScored: (index, likelihood, unscoredReason, failure) => {
          const item = todo[index];
          if (item) {
            writer.append({
              ...identity(set, item), probe: 'likelihood', likelihood,
              ...(failure ? { status: 'error' as const, error: failure } : unscoredReason !== undefined ? { unscored_reason: unscoredReason } : {}),
            });
          }
          progress.tick({ failed: failure !== undefined || unscoredReason !== undefined });
        },
      }).finally(() => progress.finish());
    }
  }

  if (plan.probes.includes('option_order')) {
    for (const [set, items] of sets) {
      const todo = missing('option_order', set, items);
      if (todo.length === 0) continue;
      const scoring = await needModel();
      const progress = new ProgressDisplay(`option-order probe (${set}, ${plan.orders} orders each)`, todo.length, 'items');
      for (const item of todo) {
        const started = performance.now();
        try {
          const scores = await probeOptionOrder(scoring, item, plan.orders, plan.seed);
          const ms = Math.round(performance.now() - started);
          if (isOptionOrderSkip(scores)) writer.append({ ...identity(set, item), probe: 'option_order', option_order: null, unscored_reason: scores.unscoredReason, ms });
          else writer.append({ ...identity(set, item), probe: 'option_order', option_order: scores, ms });
          progress.tick({ failed: isOptionOrderSkip(scores) });
        } catch (error) {
          // A served model's request that failed after its retries: an error record, retried by --resume.
          const failure = error instanceof BatchRequestError ? error.outcomes.find((o): o is ModelRequestError => o instanceof ModelRequestError) : error;
          if (!(failure instanceof ModelRequestError)) throw error;
          writer.append({ ...identity(set, item), probe: 'option_order', option_order: null, ms: Math.round(performance.now() - started), status: 'error', error: failureRecord(failure) });
          progress.tick({ failed: true });
        }
      }
      progress.finish();
    }
  }
  return model;
}
