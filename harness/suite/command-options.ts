/**
 * The flags a `harness` command declares, read from the command's own yargs builder. A suite config
 * (harness run) accepts exactly these as keys, so the command line and the config have one source
 * of truth: a flag added to `harness ceval` is a config key the moment it exists.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';

export type OptionType = 'string' | 'number' | 'boolean';

export interface OptionSpec {
  /** The flag as typed on the command line, without dashes: `max-out-len`. */
  readonly flag: string;
  readonly type: OptionType;
  readonly array: boolean;
  readonly choices: readonly (string | number)[] | null;
  readonly defaultValue: unknown;
}

/**
 * What yargs keeps about the declared options. yargs exposes it as `getOptions()` at run time
 * (yargs-factory.js) but @types/yargs does not declare it, hence this narrow view of the part we read.
 */
interface DeclaredOptions {
  readonly key: Readonly<Record<string, boolean>>;
  readonly string: readonly string[];
  readonly number: readonly string[];
  readonly boolean: readonly string[];
  readonly array: readonly string[];
  readonly choices: Readonly<Record<string, readonly (string | number)[]>>;
  readonly default: Readonly<Record<string, unknown>>;
}

// yargs' own flags, never part of a command's settings.
const YARGS_FLAGS = new Set(['help', 'version', '$0', '_']);

/** Every flag `command`'s builder declares, by flag name. */
export function commandOptions(command: CommandModule<object, never>): ReadonlyMap<string, OptionSpec> {
  const parser = buildParser(command, []);
  const declared = (parser as unknown as { getOptions(): DeclaredOptions }).getOptions();
  const specs = new Map<string, OptionSpec>();
  for (const flag of Object.keys(declared.key)) {
    if (YARGS_FLAGS.has(flag)) continue;
    const type: OptionType = declared.number.includes(flag) ? 'number' : declared.boolean.includes(flag) ? 'boolean' : 'string';
    specs.set(flag, {
      flag, type, array: declared.array.includes(flag), choices: declared.choices[flag] ?? null, defaultValue: declared.default[flag],
    });
  }
  return specs;
}

/** The command's builder applied to a parser over `argv` (not run: the caller parses). */
export function buildParser(command: CommandModule<object, never>, argv: readonly string[]): Argv {
  const builder = command.builder;
  const base = yargs([...argv]).help(false).version(false);
  if (typeof builder !== 'function') throw new Error(`command ${String(command.command)} declares its options as an object; commandOptions reads builder functions`);
  return builder(base) as unknown as Argv;
}
