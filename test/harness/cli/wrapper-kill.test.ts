/**
 * `harness` runs the command line in a child process (harness/cli.ts filters Dawn's warnings). When the
 * `harness` process itself is killed with SIGKILL — no chance to pass a signal on — the child must not
 * outlive it: it would keep the run's lock and go on writing records while the user resumes.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, exited, startCli } from '../../helpers/cli-process.js';
import { BENCHMARKS_DIR, FIXTURES_DIR } from '../../helpers/shared-data.js';

// ceval through a pipe prints at most a line every 10 s, so a child cut off from its stderr would not even
// notice through a failed write for a while.
const RUN = ['ceval', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--data-dir', BENCHMARKS_DIR, '--subjects', 'computer_network,operating_system,computer_architecture,college_programming', '--mode', 'ppl'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  cliPath();
}, 120_000);

describe('kill -9 of the harness process', () => {
  it('takes the command-line child with it: nothing holds the lock of the run or writes its records', async () => {
    const work = mkdtempSync(join(tmpdir(), 'gnomon-wrapper-kill-'));
    const child = startCli([...RUN, '--out', join(work, 'runs')], { cwd: work });
    let runDir = '';
    for (let waited = 0; waited < 180_000; waited += 50) {
      runDir = /run directory (\S+)\n/.exec(child.output.stderr)?.[1] ?? '';
      if (runDir && existsSync(join(runDir, 'records.jsonl')) && readFileSync(join(runDir, 'records.jsonl'), 'utf8').split('\n').length > 2) break;
      if (child.exitCode !== null) throw new Error(`exited early:\n${child.output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The lock names the process that writes the records: the command-line child, not the wrapper.
    const holder = JSON.parse(readFileSync(join(runDir, '.lock'), 'utf8')) as { pid: number };
    expect(holder.pid).not.toBe(child.pid);
    expect(alive(holder.pid)).toBe(true);
    child.kill('SIGKILL');
    expect((await exited(child)).signal).toBe('SIGKILL');
    let gone = false;
    // At once: a user who resumes right after the kill must not find the lock held (a write to the dead
    // wrapper's stderr pipe would end the child too, but only at its next progress line, up to 10 s later).
    for (let waited = 0; waited < 2_000 && !gone; waited += 50) {
      gone = !alive(holder.pid);
      if (!gone) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(gone, `pid ${holder.pid} still running after the wrapper was killed`).toBe(true);
    const before = readFileSync(join(runDir, 'records.jsonl'), 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Nothing writes to the run any more.
    expect(readFileSync(join(runDir, 'records.jsonl'), 'utf8')).toBe(before);
  });
});
