/**
 * Accuracy per subject with a 95% Wilson score interval (it stays inside [0, 1] and behaves at the
 * small sample sizes C-Eval's val subjects have: 19 questions is common, where the normal
 * approximation gives nonsense near 0% or 100%), and groups of subjects: the unweighted mean of
 * subject accuracies (what OpenCompass prints for ceval-stem, ceval, …) with the question-weighted
 * accuracy beside it — only when every member subject ran (a partial group has no number).
 */

export interface GroupDefinition {
  readonly name: string;
  readonly subjects: readonly string[];
}

/** What statistics need from one record. */
export interface QuestionOutcome {
  readonly subject: string;
  readonly status: 'ok' | 'skipped' | 'error';
  readonly correct: boolean;
  /** The model gave no letter (gen mode); counted as not correct and reported on its own. */
  readonly noAnswer: boolean;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface SubjectResult {
  readonly subject: string;
  /** Questions scored (skips excluded). */
  readonly count: number;
  readonly correct: number;
  readonly noAnswer: number;
  readonly skipped: number;
  /** Requests a served model failed after its retries (not scored; `--resume` retries them). */
  readonly errors: number;
  /** Percent, NaN when nothing was scored. */
  readonly accuracy: number;
  /** 95% Wilson interval in percent. */
  readonly interval: Interval;
}

export interface GroupResult {
  readonly name: string;
  /** Subjects of the group that have scored questions in this run. */
  readonly subjectsPresent: number;
  readonly subjectsTotal: number;
  /**
   * Every member subject has scored questions. A partial group has no group number (NaN below):
   * OpenCompass prints `-` for a group with a missing member, and a mean over the subjects that
   * happened to run would read as the benchmark's score.
   */
  readonly complete: boolean;
  /** Unweighted mean of subject accuracies (OpenCompass's group number), percent; NaN when partial. */
  readonly meanAccuracy: number;
  /** Correct / scored over all the group's questions, percent; NaN when partial. */
  readonly weightedAccuracy: number;
  readonly count: number;
  readonly correct: number;
  readonly noAnswer: number;
  readonly skipped: number;
  readonly errors: number;
}

export const CONFIDENCE_METHOD = 'Wilson score interval, 95% (z = 1.96)';
const Z95 = 1.959963984540054;

/** Wilson score interval for `successes` of `trials`, as fractions. */
export function wilsonInterval(successes: number, trials: number, z = Z95): Interval {
  if (trials === 0) return { low: Number.NaN, high: Number.NaN };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export function subjectResults(outcomes: readonly QuestionOutcome[], subjectOrder: readonly string[]): SubjectResult[] {
  const bySubject = new Map<string, QuestionOutcome[]>();
  for (const outcome of outcomes) {
    const list = bySubject.get(outcome.subject) ?? [];
    list.push(outcome);
    bySubject.set(outcome.subject, list);
  }
  const ordered = [...subjectOrder.filter((s) => bySubject.has(s)), ...[...bySubject.keys()].filter((s) => !subjectOrder.includes(s))];
  return ordered.map((subject) => {
    const list = bySubject.get(subject) ?? [];
    const scored = list.filter((o) => o.status === 'ok');
    const correct = scored.filter((o) => o.correct).length;
    const interval = wilsonInterval(correct, scored.length);
    return {
      subject,
      count: scored.length,
      correct,
      noAnswer: scored.filter((o) => o.noAnswer).length,
      skipped: list.filter((o) => o.status === 'skipped').length,
      errors: list.filter((o) => o.status === 'error').length,
      accuracy: scored.length === 0 ? Number.NaN : (100 * correct) / scored.length,
      interval: { low: 100 * interval.low, high: 100 * interval.high },
    };
  });
}

export function groupResults(subjects: readonly SubjectResult[], groups: readonly GroupDefinition[]): GroupResult[] {
  const byName = new Map(subjects.map((s) => [s.subject, s]));
  return groups.map((group) => {
    const members = group.subjects.map((s) => byName.get(s)).filter((s): s is SubjectResult => s !== undefined);
    const scored = members.filter((s) => s.count > 0);
    const count = members.reduce((sum, s) => sum + s.count, 0);
    const correct = members.reduce((sum, s) => sum + s.correct, 0);
    const complete = scored.length === group.subjects.length && scored.length > 0;
    return {
      name: group.name,
      subjectsPresent: scored.length,
      subjectsTotal: group.subjects.length,
      complete,
      meanAccuracy: complete ? scored.reduce((sum, s) => sum + s.accuracy, 0) / scored.length : Number.NaN,
      weightedAccuracy: complete ? (100 * correct) / count : Number.NaN,
      count,
      correct,
      noAnswer: members.reduce((sum, s) => sum + s.noAnswer, 0),
      skipped: members.reduce((sum, s) => sum + s.skipped, 0),
      errors: members.reduce((sum, s) => sum + s.errors, 0),
    };
  });
}

/** Groups from each subject's categories: `${prefix}-stem`, `${prefix}-social-science`, …, in first-seen order. */
export function categoryGroups(prefix: string, subjects: readonly { readonly subject: string; readonly categories: readonly string[] }[]): GroupDefinition[] {
  const groups = new Map<string, string[]>();
  for (const { subject, categories } of subjects) {
    for (const category of categories) {
      const name = `${prefix}-${category.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      groups.set(name, [...(groups.get(name) ?? []), subject]);
    }
  }
  return [...groups].map(([name, members]) => ({ name, subjects: members }));
}
