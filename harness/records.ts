/**
 * Run directories and their JSONL records. A run appends one line per finished unit (question, cell,
 * item) and flushes it before starting the next, so a killed run loses at most the unit in flight;
 * `--resume RUN_DIR` reads the finished keys back and skips them.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, openSync, fsyncSync, closeSync, truncateSync, renameSync } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { UserError } from '../engine/language-model.js';
import { rethrowFileSystemError } from './file-errors.js';
import { currentInvocation, storedInvocation } from './cli/invocation.js';

export const RUN_FILE = 'run.json';

/**
 * A run name as one folder-name component: anything but letters, digits, `.`, `_` and `-` becomes
 * `_`, and leading dots go, so a name such as `../../x` (from `--name`) can never leave `--out`.
 */
export function runFolderName(name: string): string {
  const safe = name.normalize('NFC').replace(/[^\p{L}\p{N}._-]/gu, '_').replace(/^\.+/, '');
  return safe === '' ? 'run' : safe;
}

/**
 * Creates `root/<name>-<timestamp>` and returns its path. The folder is made with an exclusive
 * mkdir (no `recursive`): two processes that ask in the same second both try the same name, one
 * mkdir fails with EEXIST, and that process moves on to `-2`, `-3`, … — so no two runs ever share a
 * folder, which a check-then-create would allow.
 */
export function createRunDirectory(root: string, name: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const folder = runFolderName(name);
  try {
    mkdirSync(root, { recursive: true });
  } catch (error) {
    rethrowFileSystemError(error, root, 'creating the --out folder');
  }
  if (!statSync(root).isDirectory()) throw new UserError(`--out ${root}: is a file, not a folder`, 'pass a folder for run directories (it is created when missing), e.g. --out runs');
  for (let attempt = 1; ; attempt += 1) {
    const dir = join(root, attempt === 1 ? `${folder}-${stamp}` : `${folder}-${stamp}-${attempt}`);
    const inside = relative(resolve(root), resolve(dir));
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new Error(`run folder ${dir} would leave ${root}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      rethrowFileSystemError(error, dir, 'creating the run directory');
    }
  }
}

export function writeRunInfo(dir: string, info: unknown): void {
  const file = join(dir, RUN_FILE);
  // How the run was started (for --resume with no other flag, and report headers): the first
  // writer's invocation stays, a resume's rewrite keeps it.
  const invocation = (info as { invocation?: unknown }).invocation ?? storedInvocation(dir) ?? currentInvocation();
  try {
    writeFileSync(file, `${JSON.stringify(invocation ? { ...(info as object), invocation } : info, null, 2)}\n`);
  } catch (error) {
    rethrowFileSystemError(error, file, 'writing run.json');
  }
}

export function readRunInfo(dir: string): unknown {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) {
    throw new UserError(`${file}: not found; ${dir} is not a gnomon run directory`, 'pass the folder a previous run printed (it holds run.json and records)');
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, 'restore the file or start a new run');
  }
}

/**
 * Reads a JSONL file. A last line without its newline is what a killed writer leaves: it is dropped
 * (and cut from the file when `repair` is set) so that the unit runs again. Any other bad line is an error.
 */
export function readJsonl<T>(file: string, repair = false): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const complete = text.endsWith('\n') || text.length === 0 ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  if (repair && complete.length !== text.length) truncateSync(file, Buffer.byteLength(complete));
  const rows: T[] = [];
  const lines = complete.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line) as T);
    } catch (error) {
      throw new UserError(`${file}:${index + 1}: not a JSON record (${(error as Error).message})`, 'remove the damaged line and resume again');
    }
  }
  return rows;
}

/** Appends records one line at a time, each flushed to disk before `append` returns. */
export class RecordWriter<T> {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  append(record: T): void {
    // A full disk may leave part of the line behind: readJsonl drops such a torn last line on resume.
    try {
      appendFileSync(this.file, `${JSON.stringify(record)}\n`);
      const fd = openSync(this.file, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      rethrowFileSystemError(error, this.file, 'appending a record');
    }
  }
}

/**
 * The first record of each key, in file order. Summaries go through this whatever wrote the file,
 * so a record that appears twice (two writers before the lock existed, a hand-merged file) is
 * counted once.
 */
export function uniqueByKey<T>(records: readonly T[], keyOf: (record: T) => string): T[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = keyOf(record);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Finished keys of a records file (after dropping a torn last line), for resuming. */
export function finishedKeys<T>(file: string, keyOf: (record: T) => string): Set<string> {
  return new Set(readJsonl<T>(file, true).map(keyOf));
}

/**
 * For `--resume`: the keys of finished units, after removing the unit records whose status is
 * "error" from the file, so that those units run again and the file never holds two records of
 * one unit. The file is rewritten (to a temporary file, then renamed) only when it held errors.
 */
export function finishedKeysRetryingErrors<T extends { readonly status?: string }>(file: string, keyOf: (record: T) => string): Set<string> {
  const records = readJsonl<T>(file, true);
  const kept = records.filter((record) => record.status !== 'error');
  if (kept.length !== records.length) {
    const temporary = `${file}.retry-errors`;
    writeFileSync(temporary, kept.map((record) => `${JSON.stringify(record)}\n`).join(''));
    renameSync(temporary, file);
  }
  return new Set(kept.map(keyOf));
}
