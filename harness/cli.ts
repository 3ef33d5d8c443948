#!/usr/bin/env node
/**
 * `harness` — the entry point. It runs the command line (cli-main.ts) in a child process whose stderr
 * passes through a filter that drops Dawn's two native adapter warnings (see dawn-warning-filter.ts;
 * Dawn offers no way to silence them and Node cannot redirect fd 2 in-process). `--verbose` runs in
 * this process and shows them. The child is told whether stderr is a terminal (and how wide), so live
 * progress still draws; Ctrl-C and SIGTERM reach it once, and its exit code or signal is ours.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DawnWarningFilter } from './cli/dawn-warning-filter.js';
import { CHILD_MARK, STDERR_COLUMNS, STDERR_TTY } from './cli/terminal.js';

const args = process.argv.slice(2);

if (process.env[CHILD_MARK] === '1' || args.includes('--verbose')) {
  if (process.env[CHILD_MARK] === '1' && process.send) {
    // The wrapper died without passing a signal on (kill -9, OOM killer): its IPC channel closes. Stop
    // as abruptly as it did rather than outlive it holding the run's lock and writing records.
    process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
    process.channel?.unref();
  }
  await import('./cli-main.js');
} else {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    // fd 3 is an IPC channel only so that the child notices when this process is gone.
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
    env: {
      ...process.env,
      [CHILD_MARK]: '1',
      [STDERR_TTY]: process.stderr.isTTY ? '1' : '0',
      ...(process.stderr.isTTY && process.stderr.columns ? { [STDERR_COLUMNS]: String(process.stderr.columns) } : {}),
    },
    // Its own process group: a terminal's Ctrl-C reaches this process only, which passes it on once
    // (the child counts Ctrl-Cs: a second one means "stop now").
    detached: true,
  });
  const filter = new DawnWarningFilter((text) => process.stderr.write(text));
  const childStderr = child.stderr as NodeJS.ReadableStream;
  childStderr.setEncoding('utf8');
  childStderr.on('data', (chunk: string) => filter.push(chunk));
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  child.on('error', (error) => {
    process.stderr.write(`internal error: could not start the harness process: ${error.message}\n`);
    process.exit(1);
  });
  child.on('close', (code, signal) => {
    filter.end();
    if (signal) {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      process.stderr.write('', () => process.kill(process.pid, signal));
    } else {
      process.stderr.write('', () => process.exit(code ?? 1));
    }
  });
}
