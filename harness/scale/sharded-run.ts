/**
 * One shard of a run, as a command sees it: `--shard I/N --run-dir RUN` on `harness needle|ceval|
 * contamination`. All shards share RUN: the first to start writes run.json, later ones (and a
 * requeued one) must match its settings; each shard appends to its own records file and resumes from
 * it, so a shard restarted by Slurm or Kubernetes skips what it finished. Reports are written once,
 * by `harness merge RUN`, from the merged records.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { RUN_FILE } from '../records.js';
import { LOCK_FILE, lockRunDirectory, type RunLock } from '../run-lock.js';
import { createFileExclusively, planShards, writeOrCheckShardPlan } from './shard-plan.js';
import { parseShard, shardLabel, shardRecordsName, type Shard, type ShardWork } from './shard.js';

/** The options every shardable command adds to its own. */
export const shardOptions = {
  shard: { type: 'string', describe: 'run shard I of N (I/N, from 0) of the work into --run-dir; merge with harness merge RUN' },
  'run-dir': { type: 'string', describe: 'with --shard: the run folder all shards share (created by the first one to start)' },
} as const;

export interface ShardArguments {
  readonly shard?: string | undefined;
  readonly runDir?: string | undefined;
  readonly resume?: string | undefined;
  readonly report?: string | undefined;
}

export interface ShardedRun {
  readonly command: string;
  readonly shard: Shard;
  readonly runDir: string;
}

/** The shard this invocation runs, or undefined for an ordinary single-process run. */
export function shardedRunFrom(command: string, args: ShardArguments): ShardedRun | undefined {
  if (args.shard === undefined) {
    if (args.runDir !== undefined) throw new UserError('--run-dir is only used with --shard I/N', 'add --shard I/N, or use --out (new run) / --resume RUN (continue a run)');
    return undefined;
  }
  const shard = parseShard(args.shard);
  if (args.runDir === undefined) throw new UserError(`--shard ${args.shard} needs --run-dir RUN: the folder all shards of the run share`, 'e.g. --shard 0/4 --run-dir runs/needle-sharded (the same RUN for every shard)');
  if (args.resume !== undefined) throw new UserError('--shard and --resume together: a shard resumes by itself', `run the same command again (--shard ${args.shard} --run-dir ${args.runDir}); it skips what that shard finished`);
  if (args.report !== undefined) throw new UserError('--shard and --report together', `merge the shards first: harness merge ${args.runDir}`);
  const runDir = resolve(args.runDir);
  mkdirSync(runDir, { recursive: true });
  return { command, shard, runDir };
}

/** The part of run.json that shards must agree on: the settings and the model's checkpoint. */
function identity(info: unknown): string {
  const record = (info ?? {}) as { settings?: unknown; model?: { checkpointHash?: unknown } };
  return canonicalJson({ settings: record.settings ?? null, checkpoint: record.model?.checkpointHash ?? null });
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item && typeof item === 'object' && !Array.isArray(item)
    ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : item));
}

/**
 * Writes run.json if this shard is the first to start; otherwise checks that the run's settings
 * (everything but the shard, the start time and the command line) and model equal this shard's.
 */
export function claimRunInfo(run: ShardedRun, info: { readonly settings: unknown }): void {
  const file = join(run.runDir, RUN_FILE);
  if (createFileExclusively(file, `${JSON.stringify(info, null, 2)}\n`)) return;
  let recorded: unknown;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, 'restore it from another shard\'s settings or start a new --run-dir');
  }
  const mine = identity(info);
  const theirs = identity(recorded);
  if (mine !== theirs) {
    throw new UserError(
      `${file}: shard ${shardLabel(run.shard)} has different settings from the run's first shard (${firstDifference(JSON.parse(theirs) as unknown, JSON.parse(mine) as unknown) ?? 'settings differ'})`,
      'every shard of a run must run the same command with the same settings and model (only --shard differs); or use a new --run-dir',
    );
  }
}

function firstDifference(theirs: unknown, mine: unknown, path = ''): string | undefined {
  if (canonicalJson(theirs) === canonicalJson(mine)) return undefined;
  if (theirs && mine && typeof theirs === 'object' && typeof mine === 'object' && !Array.isArray(theirs) && !Array.isArray(mine)) {
    const keys = [...new Set([...Object.keys(theirs), ...Object.keys(mine)])].sort();
    for (const key of keys) {
      const found = firstDifference((theirs as Record<string, unknown>)[key], (mine as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return `${path || 'run.json'}: ${JSON.stringify(theirs) ?? 'absent'} in the run, ${JSON.stringify(mine) ?? 'absent'} here`;
}

/** Adds fields to run.json (e.g. the model a shard opened) by an atomic rename, so readers never see half a file. */
export function addToRunInfo(runDir: string, fields: Record<string, unknown>): void {
  const file = join(runDir, RUN_FILE);
  const current = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> : {};
  if (Object.entries(fields).every(([key, value]) => canonicalJson(current[key]) === canonicalJson(value))) return;
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ ...current, ...fields }, null, 2)}\n`);
  renameSync(temporary, file);
}

/** The runner's view of this shard: its records file and its share of the work. */
export function shardWork(run: ShardedRun): ShardWork {
  return {
    recordsFile: join(run.runDir, shardRecordsName(run.shard)),
    select<T>(units: readonly T[], keyOf: (unit: T) => string, costOf: (unit: T) => number): T[] {
      const plan = planShards(run.command, units.map((unit) => ({ key: keyOf(unit), cost: costOf(unit) })), run.shard.count);
      writeOrCheckShardPlan(run.runDir, plan, run.shard);
      return units.filter((_unit, i) => plan.units[i]?.shard === run.shard.index);
    },
  };
}

/**
 * One writer per shard: the run-folder lock (harness/run-lock.ts) taken on the shard's own folder
 * `RUN/.shards/I-of-N`, so the shards of a run write side by side while two copies of one shard
 * cannot. Under a scheduler (Slurm array task, Kubernetes indexed pod) only one attempt of a shard
 * runs at a time, so a lock left on another machine by an attempt that was requeued or evicted is
 * stale: it is removed instead of blocking the new attempt (on the same machine the lock already
 * recognises a dead holder).
 */
export function lockShard(run: ShardedRun, command: string): RunLock {
  const dir = join(run.runDir, '.shards', `${run.shard.index}-of-${run.shard.count}`);
  mkdirSync(dir, { recursive: true });
  const underScheduler = process.env.SLURM_ARRAY_TASK_ID !== undefined || process.env.JOB_COMPLETION_INDEX !== undefined;
  const file = join(dir, LOCK_FILE);
  if (underScheduler && existsSync(file)) {
    try {
      const holder = JSON.parse(readFileSync(file, 'utf8')) as { host?: unknown };
      if (typeof holder.host === 'string' && holder.host !== hostname()) unlinkSync(file);
    } catch {
      // Unreadable or already gone: lockRunDirectory decides.
    }
  }
  return lockRunDirectory(dir, command);
}
