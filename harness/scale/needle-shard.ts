/**
 * One shard of a `harness needle` sweep: the run.json a single-process run writes (claimed by the
 * first shard, checked by the others), then the sweep over this shard's cells into its own records
 * file. The report is `harness merge`'s job.
 */
import type { LanguageModel } from '../../engine/language-model.js';
import { loadHaystack } from '../needle/haystack.js';
import { NEEDLE_SCHEMA } from '../needle/needle-record.js';
import { validateSettings, type NeedleRunInfo, type NeedleSettings } from '../needle/needle-run.js';
import { runNeedleSweep, type SweepResult } from '../needle/run-sweep.js';
import { claimRunInfo, lockShard, shardWork, type ShardedRun } from './sharded-run.js';

export async function runNeedleShard(model: LanguageModel, given: NeedleSettings, run: ShardedRun, argv: string, log: (line: string) => void): Promise<SweepResult> {
  const settings = validateSettings(given);
  const haystack = loadHaystack(settings.haystack, settings.language);
  const info: NeedleRunInfo = {
    command: 'needle', schema: NEEDLE_SCHEMA, settings, model: model.info, haystackFile: haystack.file,
    started: new Date().toISOString(), argv, node: process.version,
  };
  const lock = lockShard(run, `harness ${argv}`);
  try {
    claimRunInfo(run, info);
    const work = shardWork(run);
    log(`run directory ${run.runDir}, shard ${run.shard.index}/${run.shard.count} → ${work.recordsFile}`);
    return await runNeedleSweep(model, {
      grid: settings.grid, haystack, recordsFile: work.recordsFile, shard: work,
      plan: { task: settings.task, answerReserve: settings.answerTokens, globalSeed: settings.seed, ...(settings.language ? { language: settings.language } : {}) },
      onRecord: (record, done, total) => log(`[${done}/${total}] ${record.key}: ${record.status}${record.score !== null ? ` score ${record.score.toFixed(2)}` : ''}`),
    });
  } finally {
    lock.release();
  }
}
