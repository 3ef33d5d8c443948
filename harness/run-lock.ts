/**
 * One writer per run directory. A run (new or resumed) holds `RUN_DIR/.lock` while it appends
 * records; the file says who holds it (process id, host, start time, command). A second process
 * that tries to write the same run — typically two `--resume RUN_DIR` typed in two terminals —
 * stops with a two-line error naming the holder instead of duplicating records.
 *
 * The lock file is created with O_EXCL, so exactly one of several processes starting at once gets
 * it. A lock left by a process that died (kill -9, power loss) is taken over when its process id
 * is gone on the same host; on another host gnomon cannot tell, and says how to remove it by hand.
 */
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../engine/language-model.js';
import { rethrowFileSystemError } from './file-errors.js';

export const LOCK_FILE = '.lock';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  readonly command: string;
}

export interface RunLock {
  readonly file: string;
  /** Removes the lock file (also done when the process exits). */
  release(): void;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof holder.pid !== 'number' || typeof holder.host !== 'string') return undefined;
    return { pid: holder.pid, host: holder.host, started: String(holder.started ?? '?'), command: String(holder.command ?? '?') };
  } catch {
    // Unreadable or half-written (its writer was killed between create and write): treat as unknown.
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process whose parent died before it lingers as a zombie until an init that reaps slowly
  // (containers) collects it; signal 0 still reaches it, but it holds nothing. Linux says so in /proc.
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) S …": the state follows the last ')' (the command may hold parentheses).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** A lock file younger than a few seconds: its writer may not have written the holder yet. */
function recentlyCreated(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 5000;
  } catch {
    return false;
  }
}

function tryCreate(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    rethrowFileSystemError(error, file, 'taking the run lock');
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Takes the lock of `dir` for this process, or throws a UserError naming the process that holds it. */
export function lockRunDirectory(dir: string, command: string): RunLock {
  const file = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreate(file, me)) {
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        process.removeListener('exit', release);
        try {
          if (readHolder(file)?.pid === me.pid) unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.on('exit', release);
      return { file, release };
    }
    const holder = readHolder(file);
    if (!holder && recentlyCreated(file)) {
      // Created but not yet written: another process is taking the lock this very moment.
      throw new UserError(`${dir} is in use: another process is taking ${file} right now`, 'wait for that run to finish (one process writes a run at a time)');
    }
    if (holder && (holder.host !== me.host || processAlive(holder.pid))) {
      throw new UserError(
        `${dir} is in use: process ${holder.pid} on ${holder.host} holds ${file} (started ${holder.started}: ${holder.command})`,
        holder.host === me.host
          ? 'wait for that run to finish (one process writes a run at a time), or stop it first'
          : `wait for that run to finish; if it is no longer running on ${holder.host}, delete ${file}`,
      );
    }
    // The holder is gone (or wrote nothing readable): move its lock aside under a name of our own, so
    // that of several processes doing this at once only one removes it, then try again.
    const stale = `${file}.stale-${me.pid}`;
    try {
      renameSync(file, stale);
      unlinkSync(stale);
    } catch {
      // Another process took it over first; the next attempt sees its lock.
    }
  }
  throw new UserError(`${dir}: could not take ${file} after three attempts`, 'another process keeps taking the run; wait for it to finish');
}
