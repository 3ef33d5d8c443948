/**
 * Shared pieces of the shard tests: running the compiled CLI as a child process, and comparing a
 * merged run folder with a single-process one — records line by line and the summary files byte for
 * byte, apart from timing fields (which differ between any two runs).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(cli: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Parses JSON and drops the named timing fields at any depth. */
function withoutTimings(text: string, timingFields: readonly string[]): unknown {
  return JSON.parse(text, (key, value: unknown) => (timingFields.includes(key) ? undefined : value));
}

/** The only run folder inside `parent` (a single-process run makes `parent/<name>-<time>`, beside the runs index). */
export function onlyRunIn(parent: string): string {
  const [name, ...others] = readdirSync(parent, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  if (!name || others.length > 0) throw new Error(`expected one run folder in ${parent}, found ${[name, ...others].join(', ')}`);
  return join(parent, name);
}

/**
 * Records: the same keys in the same order with the same fields and numbers (timing fields aside);
 * text summaries: identical bytes; JSON summaries: identical apart from timing fields.
 */
export function expectSameRun(merged: string, single: string, files: { exact: readonly string[]; json: readonly string[] }, timingFields: readonly string[]): void {
  const lines = (dir: string) => readFileSync(join(dir, 'records.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
  const mergedLines = lines(merged);
  const singleLines = lines(single);
  expect(mergedLines.length).toBeGreaterThan(0);
  expect(mergedLines.map((line) => withoutTimings(line, timingFields))).toEqual(singleLines.map((line) => withoutTimings(line, timingFields)));
  for (const file of files.exact) expect(readFileSync(join(merged, file), 'utf8'), file).toBe(readFileSync(join(single, file), 'utf8'));
  for (const file of files.json) {
    expect(withoutTimings(readFileSync(join(merged, file), 'utf8'), timingFields), file).toEqual(withoutTimings(readFileSync(join(single, file), 'utf8'), timingFields));
  }
}

/** The lines of a file (for "merging twice changes nothing"). */
export function fileText(file: string): string {
  return readFileSync(file, 'utf8');
}
