/**
 * What a run was started with, kept in its run.json as `invocation`, so that `--resume RUN` alone
 * repeats it from any folder: the command, its argv as typed, the working folder, and the value of
 * every option (paths made absolute). On resume the stored values are put back into the parsed
 * arguments; an option typed again with a different value is refused with both values, since the
 * records already written were made with the stored one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../engine/language-model.js';

export interface Invocation {
  readonly command: string;
  /** The arguments as typed (after `harness`), for report headers and the resume hint. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Every option's value, camelCase; null where it had none. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** Options that only steer this invocation, not what the run computes: never stored or compared. */
const NOT_STORED = new Set(['resume', 'report', 'showPrompt', 'json', 'verbose', 'help', 'version', 'out', 'cevalRun', 'annotations']);
/** Options holding paths: stored absolute when they name something that exists. */
const PATH_OPTIONS = new Set(['model', 'judgeModel', 'dataDir', 'custom', 'haystack', 'corpus', 'reference', 'answers', 'baseline', 'dataset']);
/** Values of path options that are names, not paths. */
const NAMED_VALUES = new Set(['ceval', 'en', 'zh']);

let current: Invocation | undefined;

/** The invocation of this process's command (set by the CLI before the handler runs). */
export function currentInvocation(): Invocation | undefined {
  return current;
}

function absolutePath(value: unknown, cwd: string): unknown {
  if (typeof value === 'string') return NAMED_VALUES.has(value) || !existsSync(resolve(cwd, value)) ? value : resolve(cwd, value);
  if (Array.isArray(value)) return value.map((item) => absolutePath(item, cwd));
  return value;
}

function isOptionKey(key: string): boolean {
  return key !== '_' && key !== '$0' && !key.includes('-') && !NOT_STORED.has(key);
}

/** The options typed on the command line (camelCase), from the raw argv. */
export function typedOptions(argv: readonly string[]): Set<string> {
  const typed = new Set<string>();
  for (const token of argv) {
    if (token === '--') break;
    if (!token.startsWith('--')) continue;
    const name = token.slice(2).split('=')[0] ?? '';
    const positive = name.startsWith('no-') ? name.slice(3) : name;
    typed.add(positive.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()));
  }
  return typed;
}

export function describeInvocation(argv: Readonly<Record<string, unknown>>, rawArgv: readonly string[], cwd = process.cwd()): Invocation {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(argv)) {
    if (!isOptionKey(key)) continue;
    options[key] = value === undefined ? null : PATH_OPTIONS.has(key) ? absolutePath(value, cwd) : value;
  }
  return { command: String((argv._ as unknown[] | undefined)?.[0] ?? ''), argv: [...rawArgv], cwd, options };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return '(not given)';
  return Array.isArray(value) ? value.join(' ') : String(value);
}

/** The invocation stored in RUN_DIR/run.json (absent in runs made before it was stored). */
export function storedInvocation(runDir: string): Invocation | undefined {
  const file = join(runDir, 'run.json');
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { invocation?: Invocation } | null;
    return info?.invocation;
  } catch {
    return undefined; // the command reports a broken run.json in its own words
  }
}

/**
 * yargs middleware: records this invocation and, with `--resume RUN`, replays RUN's stored options
 * into `argv` (refusing typed options that differ from them).
 */
export function applyInvocation(argv: Record<string, unknown>, rawArgv: readonly string[]): void {
  const invocation = describeInvocation(argv, rawArgv);
  current = invocation;
  const resume = argv.resume;
  if (typeof resume !== 'string' || resume.trim() === '') return;
  const stored = storedInvocation(resume);
  if (!stored) return;
  // A task run inside a suite stores the suite's invocation: its own flags are the suite config's, so nothing to replay.
  if (stored.command === 'run' && invocation.command !== 'run') return;
  if (stored.command !== invocation.command) {
    throw new UserError(`${resume}: a run of harness ${stored.command}, not harness ${invocation.command}`, `resume it with: harness ${stored.command} --resume ${resume}`);
  }
  const typed = typedOptions(rawArgv);
  for (const [key, storedValue] of Object.entries(stored.options)) {
    if (NOT_STORED.has(key)) continue;
    const value = invocation.options[key];
    if (typed.has(key) && JSON.stringify(value ?? null) !== JSON.stringify(storedValue)) {
      throw new UserError(
        `--${kebab(key)} ${shown(value)}: the run in ${resume} was made with --${kebab(key)} ${shown(storedValue)}`,
        `drop --${kebab(key)} (--resume uses the run's own settings), or start a new run without --resume`,
      );
    }
    const restored = storedValue === null ? undefined : storedValue;
    argv[key] = restored;
    argv[kebab(key)] = restored;
  }
  current = { ...invocation, options: stored.options };
}
