/**
 * Group names `--subjects` accepts besides subject names: a category (`stem`, `humanities`,
 * `social_science`, `other`; CMMLU adds `china_specific`), `hard` (C-Eval's ceval-hard subjects) and
 * `all`. Each expands to its subjects in the set's order; names may mix with subjects and repeat.
 */
import type { SubjectEntry } from './question-set.js';

/** `Social Science` → `social_science`. */
export function categoryGroupName(category: string): string {
  return category.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** The group names a set has, with their subjects (for `harness list subjects`). */
export function subjectGroups(all: readonly SubjectEntry[], hard: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const entry of all) {
    for (const category of entry.categories) {
      const name = categoryGroupName(category);
      groups.set(name, [...(groups.get(name) ?? []), entry.subject]);
    }
  }
  if (hard.length > 0) groups.set('hard', all.map((s) => s.subject).filter((s) => hard.includes(s)));
  groups.set('all', all.map((s) => s.subject));
  return groups;
}

/** Replaces group names in `requested` by their subjects, keeping first occurrences only. */
export function expandSubjectGroups(requested: readonly string[] | undefined, all: readonly SubjectEntry[], hard: readonly string[]): string[] | undefined {
  if (!requested) return undefined;
  const groups = subjectGroups(all, hard);
  const subjects = new Set(all.map((s) => s.subject));
  const expanded = requested.flatMap((name) => {
    const group = groups.get(categoryGroupName(name));
    return subjects.has(name) || !group ? [name] : group;
  });
  return [...new Set(expanded)];
}
