/**
 * The run lock for shards: each shard locks its own folder, so shards of one run write side by side
 * while a second copy of the same shard is refused; under a scheduler a lock left on another machine
 * (a requeued or evicted attempt) is removed, elsewhere it still blocks.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../../engine/language-model.js';
import { lockShard, type ShardedRun } from '../../../harness/scale/sharded-run.js';

const run = (dir: string, index: number): ShardedRun => ({ command: 'needle', shard: { index, count: 2 }, runDir: dir });

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isUserError(error)) return error.message;
    throw error;
  }
  throw new Error('expected a UserError');
}

afterEach(() => {
  delete process.env.SLURM_ARRAY_TASK_ID;
});

describe('lockShard', () => {
  it('lets two shards of a run hold their locks at once and refuses a second copy of one shard', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-shard-lock-'));
    const first = lockShard(run(dir, 0), 'harness needle --shard 0/2');
    const second = lockShard(run(dir, 1), 'harness needle --shard 1/2');
    expect(refusal(() => lockShard(run(dir, 0), 'harness needle --shard 0/2 (again)'))).toContain(`holds ${join(dir, '.shards', '0-of-2', '.lock')}`);
    first.release();
    second.release();
    lockShard(run(dir, 0), 'after release').release();
  });

  it('removes a lock from another machine only under a scheduler', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-shard-lock-'));
    lockShard(run(dir, 1), 'make the folder').release();
    const lockFile = join(dir, '.shards', '1-of-2', '.lock');
    writeFileSync(lockFile, `${JSON.stringify({ pid: 1, host: 'node-that-was-preempted', started: 'earlier', command: 'harness needle --shard 1/2' })}\n`);
    expect(refusal(() => lockShard(run(dir, 1), 'by hand'))).toContain('on node-that-was-preempted');
    process.env.SLURM_ARRAY_TASK_ID = '1';
    const lock = lockShard(run(dir, 1), 'requeued attempt');
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid, command: 'requeued attempt' });
    lock.release();
  });
});
