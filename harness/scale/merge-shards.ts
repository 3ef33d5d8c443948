/**
 * `harness merge RUN`: the shards' records files → the one records.jsonl a single process would have
 * written: the same lines (each shard's line kept byte for byte), in the planned single-process order
 * from shards.json. Refuses with the missing keys, per shard, if any shard is unfinished. The file is
 * replaced by an atomic rename, so merging again (or after a requeued shard) is harmless.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { recordKey as cevalRecordKey } from '../ceval/record.js';
import { contaminationRecordKey, type ItemSet, type ProbeName } from '../contamination/contamination-records.js';
import { readShardPlan, type ShardPlan } from './shard-plan.js';
import { shardRecordsName } from './shard.js';

export const MERGED_RECORDS_FILE = 'records.jsonl';

/**
 * How each shardable command names a record: the key its runner resumes by. A new command (e.g.
 * subjective) becomes mergeable with one line here and the `shard` option in its runner.
 */
export const SHARD_RECORD_KEYS: Readonly<Record<string, (record: Record<string, unknown>) => string>> = {
  needle: (record) => String(record.key),
  ceval: (record) => cevalRecordKey({ subject: String(record.subject), row: Number(record.row) }),
  contamination: (record) => contaminationRecordKey({ probe: record.probe as ProbeName, set: record.set as ItemSet, item_key: String(record.item_key) }),
};

/** A shard file's complete lines by key (a torn last line, left by a killed shard, is not complete). */
export function shardLines(runDir: string, plan: ShardPlan, shard: number): Map<string, string> {
  const file = join(runDir, shardRecordsName({ index: shard, count: plan.shards }));
  const lines = new Map<string, string>();
  if (!existsSync(file)) return lines;
  const keyOf = keyFunction(plan.command, runDir);
  const text = readFileSync(file, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  complete.forEach((line, index) => {
    if (line.trim() === '') return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new UserError(`${file}:${index + 1}: not a JSON record (${(error as Error).message})`, `remove the damaged line and rerun shard ${shard}/${plan.shards} (it resumes)`);
    }
    const key = keyOf(record);
    if (!lines.has(key)) lines.set(key, line);
  });
  return lines;
}

function keyFunction(command: string, runDir: string): (record: Record<string, unknown>) => string {
  const keyOf = SHARD_RECORD_KEYS[command];
  if (!keyOf) throw new UserError(`${runDir}/shards.json: command ${command} cannot be merged`, `merge runs of ${Object.keys(SHARD_RECORD_KEYS).join(', ')}`);
  return keyOf;
}

export interface MergedRun {
  readonly plan: ShardPlan;
  readonly file: string;
  readonly records: number;
}

export function mergeShards(runDir: string): MergedRun {
  const plan = readShardPlan(runDir);
  const byShard = Array.from({ length: plan.shards }, (_, shard) => shardLines(runDir, plan, shard));
  const missing = plan.units.filter((unit) => !byShard[unit.shard]?.has(unit.key));
  if (missing.length > 0) {
    const shards = [...new Set(missing.map((unit) => unit.shard))].sort((a, b) => a - b);
    const detail = shards.map((shard) => {
      const keys = missing.filter((unit) => unit.shard === shard).map((unit) => unit.key);
      return `shard ${shard}/${plan.shards} lacks ${keys.length} (${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''})`;
    }).join('; ');
    const slurm = existsSync(join(runDir, 'slurm-array.sbatch')) ? ` or: sbatch --array=${shards.join(',')} ${join(runDir, 'slurm-array.sbatch')}` : '';
    throw new UserError(
      `${runDir}: ${missing.length} of ${plan.units.length} records missing: ${detail}`,
      `rerun those shards, each resumes where it stopped: harness ${plan.command} <the run's flags> --shard I/${plan.shards} --run-dir ${runDir}${slurm}; then merge again`,
    );
  }
  const text = plan.units.map((unit) => `${byShard[unit.shard]?.get(unit.key) ?? ''}\n`).join('');
  const file = join(runDir, MERGED_RECORDS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
  return { plan, file, records: plan.units.length };
}
