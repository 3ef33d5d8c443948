/**
 * Shards: a deterministic share of one run's work. Every shard plans the whole work list (planning is
 * pure and cheap), assigns each unit to a shard by its key and expected cost, and runs only its own
 * units, in the order a single process would run them. The assignment depends only on the list of
 * (key, cost) pairs and the shard count, so every shard, on any machine, computes the same one.
 */
import { UserError } from '../../engine/language-model.js';

export interface Shard {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

/** "2/4" → shard 2 of 4 (0-based, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX count). */
export function parseShard(text: string, flag = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new UserError(`${flag} ${text}: expected I/N with 0 ≤ I < N (shard I of N, counted from 0)`, `e.g. ${flag} 0/4 … ${flag} 3/4 for four shards`);
  }
  return { index, count };
}

export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The records file of one shard inside the shared run folder. */
export function shardRecordsName(shard: Shard): string {
  return `records.shard-${shard.index}-of-${shard.count}.jsonl`;
}

export interface PlannedUnit {
  readonly key: string;
  /** Expected cost in the command's own unit (prompt tokens, characters): only ratios matter. */
  readonly cost: number;
}

/**
 * Assigns units to `count` shards, balancing the sum of expected costs: longest-processing-time
 * first (units by cost, largest first, ties by key), each to the shard with the least cost so far
 * (ties: the lowest shard). A 32k needle row lands beside many short cells instead of filling a
 * shard alone. Returns the shard of each unit, in the input order.
 */
export function assignShards(units: readonly PlannedUnit[], count: number): number[] {
  const seen = new Set<string>();
  for (const unit of units) {
    if (seen.has(unit.key)) throw new Error(`shard plan: key ${unit.key} appears twice; record keys must be unique in a run`);
    if (!(Number.isFinite(unit.cost) && unit.cost >= 0)) throw new Error(`shard plan: key ${unit.key} has cost ${unit.cost}`);
    seen.add(unit.key);
  }
  const order = units.map((unit, position) => ({ unit, position }));
  order.sort((a, b) => b.unit.cost - a.unit.cost || (a.unit.key < b.unit.key ? -1 : a.unit.key > b.unit.key ? 1 : 0));
  const load = new Array<number>(count).fill(0);
  const shardOf = new Array<number>(units.length).fill(0);
  for (const { unit, position } of order) {
    let best = 0;
    for (let shard = 1; shard < count; shard += 1) if ((load[shard] ?? 0) < (load[best] ?? 0)) best = shard;
    load[best] = (load[best] ?? 0) + unit.cost;
    shardOf[position] = best;
  }
  return shardOf;
}

/**
 * What a runner asks of a sharded run: its share of the planned units (in planned order) and the
 * file its records go to. Runners take it as one optional `shard` option; without it they run everything.
 */
export interface ShardWork {
  readonly recordsFile: string;
  /**
   * Keeps this shard's units. `units` is the command's whole work list in single-process order;
   * the first call also writes (or checks) the run's shard plan, which `harness merge` reads.
   */
  select<T>(units: readonly T[], keyOf: (unit: T) => string, costOf: (unit: T) => number): T[];
}
