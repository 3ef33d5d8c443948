/**
 * Run directories and their JSONL records. A run appends one line per finished unit (question, cell,
 * item) and flushes it before starting the next, so a killed run loses at most the unit in flight;
 * `--resume RUN_DIR` reads the finished keys back and skips them.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, openSync, fsyncSync, closeSync, truncateSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../engine/language-model.js';

export const RUN_FILE = 'run.json';

/** Creates `root/<name>-<timestamp>` (or uses `resumeDir`) and returns its path. */
export function createRunDirectory(root: string, name: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let dir = join(root, `${name}-${stamp}`);
  for (let attempt = 2; existsSync(dir); attempt += 1) dir = join(root, `${name}-${stamp}-${attempt}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeRunInfo(dir: string, info: unknown): void {
  writeFileSync(join(dir, RUN_FILE), `${JSON.stringify(info, null, 2)}\n`);
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
    appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    const fd = openSync(this.file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
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
