/**
 * A run's lock held by a process that was killed but not yet reaped (a zombie: its parent died first and
 * the container's init collects orphans slowly) is stale: signal 0 still reaches a zombie, so the lock
 * reads /proc to tell. Without this, `--resume` right after a kill -9 was refused as "in use".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockRunDirectory } from '../../../harness/run-lock.js';

/** A real zombie: `sleep 0` exits while its parent, exec'd into `sleep 5`, never waits for it. */
async function zombiePid(): Promise<{ pid: number; stop: () => void }> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  for (let waited = 0; waited < 5_000; waited += 20) {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    if (state === 'Z') return { pid, stop: () => parent.kill('SIGKILL') };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} did not become a zombie`);
}

describe('run lock', () => {
  it('takes over a lock whose holder is a zombie, and refuses one whose holder runs', async () => {
    const zombie = await zombiePid();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'gnomon-zombie-lock-'));
      writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: zombie.pid, host: hostname(), started: '2026-01-01T00:00:00Z', command: 'harness ceval' }));
      const lock = lockRunDirectory(dir, 'harness ceval --resume');
      expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
      lock.release();

      const running = mkdtempSync(join(tmpdir(), 'gnomon-zombie-lock-'));
      writeFileSync(join(running, '.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), started: '2026-01-01T00:00:00Z', command: 'harness ceval' }));
      expect(() => lockRunDirectory(running, 'harness ceval --resume')).toThrow(/is in use: process \d+/);
    } finally {
      zombie.stop();
    }
  });
});
