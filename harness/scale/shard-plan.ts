/**
 * `shards.json`: a sharded run's whole work list in single-process order, with each unit's expected
 * cost and shard. The first shard to start writes it (atomically: a hard link that fails if another
 * shard got there first); every later shard checks that it planned the same list, so shards of one
 * run can never disagree about the work. `harness merge` and `harness submit --status` read it
 * instead of re-planning, so they need neither the data nor the model.
 */
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { assignShards, type PlannedUnit, type Shard } from './shard.js';

export const SHARD_PLAN_FILE = 'shards.json';
export const SHARD_PLAN_SCHEMA = 'gnomon.shards.v1';

export interface ShardPlanUnit extends PlannedUnit {
  readonly shard: number;
}

export interface ShardPlan {
  readonly schema: typeof SHARD_PLAN_SCHEMA;
  /** The harness command that runs the shards (needle, ceval, contamination, …). */
  readonly command: string;
  readonly shards: number;
  /** In the order a single process would write the records. */
  readonly units: readonly ShardPlanUnit[];
}

export function planShards(command: string, units: readonly PlannedUnit[], shards: number): ShardPlan {
  const shardOf = assignShards(units, shards);
  return { schema: SHARD_PLAN_SCHEMA, command, shards, units: units.map((unit, i) => ({ key: unit.key, cost: unit.cost, shard: shardOf[i] ?? 0 })) };
}

/** Writes `text` to `file` only if no file is there; returns false when one already was. */
export function createFileExclusively(file: string, text: string): boolean {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, text);
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

export function readShardPlan(runDir: string): ShardPlan {
  const file = join(runDir, SHARD_PLAN_FILE);
  if (!existsSync(file)) {
    throw new UserError(`${file}: not found; ${runDir} is not a sharded run, or no shard has started yet`, 'start the shards first (harness <command> … --shard I/N --run-dir RUN, or harness submit); a run without shards needs no merge');
  }
  let plan: ShardPlan;
  try {
    plan = JSON.parse(readFileSync(file, 'utf8')) as ShardPlan;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, 'delete it; the next shard to start writes it again');
  }
  if (plan.schema !== SHARD_PLAN_SCHEMA) throw new UserError(`${file}: schema ${String(plan.schema)}, expected ${SHARD_PLAN_SCHEMA}`, 'merge it with the gnomon version that wrote it');
  return plan;
}

/** Records the plan, or checks it against the one the run's first shard recorded. */
export function writeOrCheckShardPlan(runDir: string, plan: ShardPlan, shard: Shard): void {
  const file = join(runDir, SHARD_PLAN_FILE);
  if (createFileExclusively(file, `${JSON.stringify(plan, null, 1)}\n`)) return;
  const recorded = readShardPlan(runDir);
  const where = `${file} (shard ${shard.index}/${shard.count})`;
  if (recorded.command !== plan.command) {
    throw new UserError(`${where}: the run's shards run harness ${recorded.command}, this one harness ${plan.command}`, 'give each run its own --run-dir');
  }
  if (recorded.shards !== plan.shards) {
    throw new UserError(`${where}: the run is split into ${recorded.shards} shards, this shard counts ${plan.shards}`, `run it as --shard ${shard.index}/${recorded.shards}, or start a new --run-dir`);
  }
  const differs = recorded.units.length !== plan.units.length
    ? `${recorded.units.length} planned units there, ${plan.units.length} here`
    : recorded.units.map((unit, i) => {
      const mine = plan.units[i];
      return mine && (mine.key !== unit.key || mine.cost !== unit.cost) ? `unit ${i}: ${unit.key} (cost ${unit.cost}) there, ${mine.key} (cost ${mine.cost}) here` : '';
    }).find((text) => text !== '');
  if (differs) {
    throw new UserError(`${where}: this shard planned different work than the run's first shard (${differs})`, 'run every shard with the same settings, data files and model; or start a new --run-dir');
  }
}
