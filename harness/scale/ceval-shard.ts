/**
 * One shard of a `harness ceval` run: the run.json a single-process run writes (claimed by the first
 * shard, checked by the others), then this shard's questions into its own records file. The tables
 * and report are `harness merge`'s job.
 */
import type { LanguageModel } from '../../engine/language-model.js';
import { newCevalRunInfo, openCompassSettings, openQuestionSet, type CevalSettings } from '../ceval/evaluation.js';
import { recordKey, type CevalRecord } from '../ceval/record.js';
import { runQuestionSet, type CevalRunSummary } from '../ceval/runner.js';
import { finishedKeys } from '../records.js';
import { claimRunInfo, lockShard, shardWork, type ShardedRun } from './sharded-run.js';

export async function runCevalShard(model: LanguageModel, settings: CevalSettings, run: ShardedRun, command: string, log: (line: string) => void): Promise<CevalRunSummary> {
  const set = openQuestionSet(settings);
  const info = newCevalRunInfo(model, command, settings, set);
  const lock = lockShard(run, `harness ${command}`);
  try {
    claimRunInfo(run, { ...info, settings });
    const work = shardWork(run);
    const finished = finishedKeys<CevalRecord>(work.recordsFile, recordKey);
    log(`run directory ${run.runDir}, shard ${run.shard.index}/${run.shard.count} → ${work.recordsFile}${finished.size > 0 ? ` (resuming: ${finished.size} questions already finished)` : ''}`);
    // The same options runCevalEvaluation passes (harness/ceval/evaluation.ts), plus the shard.
    const summary = await runQuestionSet(model, set, {
      mode: info.mode, chat: info.chat, limit: settings.limit, maxOutLen: info.maxOutLen, batchSize: info.batchSize,
      openCompass: openCompassSettings(settings, info.chat, model), extractor: info.extractor ?? 'gnomon',
      recordsFile: work.recordsFile, finished, shard: work,
    });
    log(`${summary.written} questions run in ${(summary.ms / 1000).toFixed(1)} s, ${summary.alreadyFinished} from before (shard ${run.shard.index}/${run.shard.count} of ${summary.total} questions)`);
    return summary;
  } finally {
    lock.release();
  }
}
