/**
 * Checks of flag combinations that yargs cannot express: an empty value (`--subjects ''` would
 * otherwise mean "all subjects", `--resume ""` "start a new run") and two flags that contradict
 * each other (one would silently win). Both are refused with the reason, before any work starts.
 */
import { UserError } from '../../engine/language-model.js';

type ParsedFlags = Readonly<Record<string, unknown>>;

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

function isEmptyValue(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() === '';
  // Array flags (--subjects a b, --corpus x y) may also be split on commas later: empty when nothing is left.
  if (Array.isArray(value)) return value.map(String).join(',').split(',').every((part) => part.trim() === '');
  return false;
}

/** Refuses `--flag ''` for each of `keys` (camelCase, as yargs parses them) that was given. */
export function refuseEmptyValues(args: ParsedFlags, keys: readonly string[]): void {
  for (const key of keys) {
    const value = args[key];
    if (value !== undefined && isEmptyValue(value)) {
      throw new UserError(`${flagName(key)}: empty value`, `give ${flagName(key)} a value, or leave the flag out`);
    }
  }
}

function given(value: unknown): boolean {
  return value !== undefined && value !== false;
}

export interface FlagConflict {
  /** camelCase keys of flags that cannot be used together. */
  readonly flags: readonly [string, string];
  /** Why not, in words. */
  readonly reason: string;
}

/** Refuses the first conflict whose two flags were both given. */
export function refuseConflicts(args: ParsedFlags, conflicts: readonly FlagConflict[]): void {
  for (const { flags: [first, second], reason } of conflicts) {
    if (given(args[first]) && given(args[second])) {
      throw new UserError(`${flagName(first)} and ${flagName(second)} cannot be used together: ${reason}`, `drop one of them`);
    }
  }
}

/** Refuses each flag of `keys` given without `needed`. */
export function refuseWithout(args: ParsedFlags, needed: string, keys: readonly string[], reason: string): void {
  if (given(args[needed])) return;
  for (const key of keys) {
    if (given(args[key])) throw new UserError(`${flagName(key)} needs ${flagName(needed)}: ${reason}`, `add ${flagName(needed)} FILE, or drop ${flagName(key)}`);
  }
}
