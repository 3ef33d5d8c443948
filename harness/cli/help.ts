/**
 * `--help` laid out for the task at hand: each command's options in four groups (task, data,
 * model/engine, output) with the task first, and a few worked examples. And "did you mean" for a
 * mistyped flag or choice, from the same option table yargs parsed with.
 */
import type { Argv, CommandModule } from 'yargs';
import { modelOptions } from '../model-options.js';

const MODEL_KEYS = new Set<string>([...Object.keys(modelOptions), 'judge-model']);
/** Flags that pick or locate the data a command reads. */
const DATA_KEYS = new Set(['data-dir', 'preset', 'custom', 'columns', 'name', 'subjects', 'split', 'limit', 'dataset', 'haystack', 'haystack-file', 'language',
  'corpus', 'corpus-field', 'reference', 'answers', 'baseline', 'questions', 'categories', 'ceval-run', 'annotations']);
/** Flags about where results go, resuming, reports and what is printed. */
const OUTPUT_KEYS = new Set(['out', 'resume', 'report', 'show-prompt', 'json', 'palette', 'threshold']);
const GLOBAL_KEYS = new Set(['help', 'version', 'verbose']);

function groupOf(key: string): 'Data:' | 'Model and engine:' | 'Output:' | 'Task:' {
  if (MODEL_KEYS.has(key) || key.startsWith('api-') || key === 'adapter') return 'Model and engine:';
  if (DATA_KEYS.has(key)) return 'Data:';
  if (OUTPUT_KEYS.has(key) || key === 'shard') return 'Output:';
  return 'Task:';
}

/** The option names yargs knows at this point (kebab-case, as typed). */
function declaredOptions(yargs: Argv): string[] {
  const options = (yargs as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
  return Object.keys(options.key).filter((key) => !/[A-Z]/.test(key) && key !== '_' && key !== '$0');
}

/** The options of the command being parsed (its builder ran last), for "did you mean". */
let commandOptions: readonly string[] = [];

/** The command with grouped options and `examples` ([command line, what it does]) in its help. */
export function withHelpLayout<U>(command: CommandModule<object, U>, examples: readonly (readonly [string, string])[]): CommandModule<object, U> {
  const builder = command.builder;
  if (typeof builder !== 'function') return command;
  return {
    ...command,
    builder: (yargs: Argv) => {
      let built = builder(yargs) as unknown as Argv;
      const groups = new Map<string, string[]>([['Task:', []], ['Data:', []], ['Model and engine:', []], ['Output:', []]]);
      for (const key of declaredOptions(built)) {
        if (!GLOBAL_KEYS.has(key)) groups.get(groupOf(key))?.push(key);
      }
      for (const [title, keys] of groups) if (keys.length > 0) built = built.group(keys, title);
      for (const [line, meaning] of examples) built = built.example(line, meaning);
      commandOptions = declaredOptions(built);
      return built as unknown as Argv<U>;
    },
  };
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b: "lenghts" is one from "lengths". */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j += 1) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The closest of `candidates` to `typed`, if it is close enough to be a typo. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(typed.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined;
}

/**
 * "did you mean" for yargs's "Unknown argument(s): x, y" and "Invalid values: Argument: mode,
 * Given: "ppll", Choices: "ppl", "gen"" messages; undefined when there is nothing to suggest.
 */
export function suggestionFor(message: string, known: readonly string[] = commandOptions): string | undefined {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown?.[1]) {
    const suggestions = unknown[1].split(', ').map((name) => {
      const match = closest(name.replace(/^-+/, ''), known);
      return match ? `--${match}` : undefined;
    }).filter((s): s is string => s !== undefined);
    return suggestions.length > 0 ? `did you mean ${suggestions.join(', ')}?` : undefined;
  }
  const invalid = /Argument: ([\w-]+), Given: "([^"]*)", Choices: (.+)$/m.exec(message);
  if (invalid?.[1] && invalid[3]) {
    const choices = [...invalid[3].matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
    const match = closest(invalid[2] ?? '', choices);
    return match !== undefined ? `did you mean --${invalid[1]} ${match}?` : undefined;
  }
  return undefined;
}
