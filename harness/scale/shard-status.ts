/** Progress of a sharded run, read from its shard plan and records files alone (no scheduler needed). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readShardPlan, type ShardPlan } from './shard-plan.js';
import { SHARD_RECORD_KEYS, shardLines } from './merge-shards.js';
import { shardRecordsName } from './shard.js';

export interface ShardProgress {
  readonly shard: number;
  readonly planned: number;
  readonly done: number;
  readonly plannedCost: number;
  readonly doneCost: number;
  /** When the shard last wrote a record (undefined before its first). */
  readonly lastWrite: Date | undefined;
}

export interface RunProgress {
  readonly plan: ShardPlan;
  readonly shards: readonly ShardProgress[];
  /** records.jsonl holds every planned unit in planned order (harness merge has run). */
  readonly merged: boolean;
}

export function runProgress(runDir: string): RunProgress {
  const plan = readShardPlan(runDir);
  const shards = Array.from({ length: plan.shards }, (_, shard): ShardProgress => {
    const lines = shardLines(runDir, plan, shard);
    const units = plan.units.filter((unit) => unit.shard === shard);
    const finished = units.filter((unit) => lines.has(unit.key));
    const file = join(runDir, shardRecordsName({ index: shard, count: plan.shards }));
    return {
      shard, planned: units.length, done: finished.length,
      plannedCost: units.reduce((sum, unit) => sum + unit.cost, 0), doneCost: finished.reduce((sum, unit) => sum + unit.cost, 0),
      lastWrite: existsSync(file) ? statSync(file).mtime : undefined,
    };
  });
  return { plan, shards, merged: isMerged(runDir, plan) };
}

function isMerged(runDir: string, plan: ShardPlan): boolean {
  const file = join(runDir, 'records.jsonl');
  const keyOf = SHARD_RECORD_KEYS[plan.command];
  if (!keyOf || !existsSync(file)) return false;
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  try {
    return lines.length === plan.units.length && lines.every((line, i) => keyOf(JSON.parse(line) as Record<string, unknown>) === plan.units[i]?.key);
  } catch {
    return false;
  }
}

export function progressTable(progress: RunProgress): string {
  const rows = progress.shards.map((s) => {
    const percent = s.plannedCost > 0 ? (100 * s.doneCost) / s.plannedCost : 100;
    return `${`${s.shard}/${progress.plan.shards}`.padEnd(7)} ${`${s.done}/${s.planned}`.padStart(11)} ${`${percent.toFixed(0)}%`.padStart(6)}  ${s.lastWrite ? s.lastWrite.toISOString() : 'not started'}`;
  });
  const done = progress.shards.reduce((sum, s) => sum + s.done, 0);
  return [
    `harness ${progress.plan.command}, ${progress.plan.shards} shards: ${done}/${progress.plan.units.length} records${progress.merged ? ', merged' : ''}`,
    'shard   records    cost%  last record',
    ...rows,
  ].join('\n');
}
