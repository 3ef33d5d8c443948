/**
 * One shard of a `harness ceval` run: the run.json a single-process run writes (claimed by the first
 * shard, checked by the others), then this shard's questions into its own records file. The tables
 * and report are `harness merge`'s job.
 */
import type { LanguageModel } from '../../engine/language-model.js';
import { openQuestionSet, type CevalSettings } from '../ceval/evaluation.js';
import { promptVersion, useChatFormat } from '../ceval/prompt.js';
import { recordKey, type CevalRecord } from '../ceval/record.js';
import { CEVAL_RUN_SCHEMA, type CevalRunInfo } from '../ceval/run-info.js';
import { runQuestionSet, type CevalRunSummary } from '../ceval/runner.js';
import { finishedKeys } from '../records.js';
import { claimRunInfo, lockShard, shardWork, type ShardedRun } from './sharded-run.js';

export async function runCevalShard(model: LanguageModel, settings: CevalSettings, run: ShardedRun, command: string, log: (line: string) => void): Promise<CevalRunSummary> {
  const set = openQuestionSet(settings);
  const chat = useChatFormat(settings.chat, model.tokenizer);
  const info: CevalRunInfo = {
    schema: CEVAL_RUN_SCHEMA, command, started: new Date().toISOString(),
    dataset: set.name, split: set.split, labelled: set.labelled, source: set.source,
    mode: settings.mode, chat, shots: set.shots, promptStyle: set.promptStyle.id, maxOutLen: settings.maxOutLen,
    limit: settings.limit ?? null, batchSize: settings.batchSize,
    version: promptVersion({ style: set.promptStyle.id, shots: set.shots, chat, mode: settings.mode, ...(settings.mode === 'gen' ? { maxOutLen: settings.maxOutLen } : {}) }),
    model: { name: model.info.name, checkpointHash: model.info.checkpointHash, device: model.info.device, contextLength: model.info.contextLength },
    subjects: set.subjects, groups: set.groups,
  };
  const lock = lockShard(run, `harness ${command}`);
  try {
    return await runLockedShard(model, settings, run, info, log);
  } finally {
    lock.release();
  }
}

async function runLockedShard(model: LanguageModel, settings: CevalSettings, run: ShardedRun, info: CevalRunInfo, log: (line: string) => void): Promise<CevalRunSummary> {
  const set = openQuestionSet(settings);
  claimRunInfo(run, { ...info, settings });
  const work = shardWork(run);
  const finished = finishedKeys<CevalRecord>(work.recordsFile, recordKey);
  log(`run directory ${run.runDir}, shard ${run.shard.index}/${run.shard.count} → ${work.recordsFile}${finished.size > 0 ? ` (resuming: ${finished.size} questions already finished)` : ''}`);
  const summary = await runQuestionSet(model, set, {
    mode: info.mode, chat: info.chat, limit: settings.limit, maxOutLen: info.maxOutLen, batchSize: info.batchSize,
    recordsFile: work.recordsFile, finished, shard: work,
  });
  log(`${summary.written} questions run in ${(summary.ms / 1000).toFixed(1)} s, ${summary.alreadyFinished} from before (shard ${run.shard.index}/${run.shard.count} of ${summary.total} questions)`);
  return summary;
}
