/**
 * The harness CLI as a user runs it: harness/cli.ts (and its import closure) compiled once per test
 * file into a temporary package, run as a real process through a pipe, or under a pseudo-terminal
 * with util-linux `script` (which gives the command a real tty).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { compileChild } from './compiled-child.js';

let compiled: string | undefined;

/** The compiled entry; compiles on first use (~20 s on two shared cores). */
export function cliPath(): string {
  compiled ??= compileChild('harness/cli.ts');
  return compiled;
}

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const QUIET_ENV = { NO_COLOR: '1' };

/** Runs `harness ARGS` with stdout and stderr as pipes. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [cliPath(), ...args], {
    cwd: options.cwd, env: { ...process.env, ...QUIET_ENV, ...options.env }, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Runs `harness ARGS` under a pseudo-terminal of COLUMNS columns; the transcript mixes stdout and stderr. */
export function runCliOnTerminal(args: readonly string[], options: { cwd?: string; columns?: number; timeoutMs?: number } = {}): { status: number | null; transcript: string } {
  const command = `stty cols ${options.columns ?? 100} rows 40; ${[process.execPath, cliPath(), ...args].map(shellQuote).join(' ')}`;
  const result = spawnSync('script', ['-qfec', command, '/dev/null'], {
    cwd: options.cwd, env: { ...process.env, ...QUIET_ENV, TERM: 'xterm' }, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000,
  });
  return { status: result.status, transcript: result.stdout };
}

/** Starts `harness ARGS` (pipes), for tests that signal it mid-run. */
export function startCli(args: readonly string[], options: { cwd?: string } = {}): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [cliPath(), ...args], { cwd: options.cwd, env: { ...process.env, ...QUIET_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (text: string) => { output.stdout += text; });
  child.stderr.setEncoding('utf8').on('data', (text: string) => { output.stderr += text; });
  return Object.assign(child, { output });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}
