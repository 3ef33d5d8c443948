/**
 * What the CLI knows about the terminal. The entry process (harness/cli.ts) pipes the command's
 * stderr through a filter, so the command itself sees a pipe: these variables carry the user's real
 * stderr (terminal or not, and its width) across.
 */
export const CHILD_MARK = 'GNOMON_CLI_CHILD';
export const STDERR_TTY = 'GNOMON_STDERR_TTY';
export const STDERR_COLUMNS = 'GNOMON_STDERR_COLUMNS';

/** Whether the user's stderr is a terminal (live progress) or a pipe/file (plain lines). */
export function stderrIsTerminal(): boolean {
  const carried = process.env[STDERR_TTY];
  if (carried === '1' || carried === '0') return carried === '1';
  return process.stderr.isTTY === true;
}

export function stderrColumns(): number {
  // stdout is the child's own: when it is the terminal its width follows resizes.
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const carried = Number(process.env[STDERR_COLUMNS]);
  if (Number.isInteger(carried) && carried > 0) return carried;
  return process.stderr.columns ?? 80;
}
