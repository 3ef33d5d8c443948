/** What every preset's data becomes: questions with their turns, category and reference answers. */

export interface SubjectiveQuestion {
  /** The source's question id, as text (MT-Bench 81…160, AlignBench 1…683). */
  readonly id: string;
  /** MT-Bench category / AlignBench capability (the first-level category). */
  readonly category: string;
  /** AlignBench's second-level category (picks the judged dimensions). */
  readonly subcategory?: string;
  /** The user turns, in order. */
  readonly turns: readonly string[];
  /** Reference answers per turn, where the preset judges against one. */
  readonly references?: readonly string[];
}

export interface SubjectiveQuestionSet {
  readonly name: string;
  /** Files read, for run.json. */
  readonly source: string;
  readonly questions: readonly SubjectiveQuestion[];
}

/** Keeps the questions named by `ids` (in file order) and then the first `limit`. */
export function selectQuestions(set: SubjectiveQuestionSet, ids: readonly string[] | undefined, categories: readonly string[] | undefined, limit: number | undefined): SubjectiveQuestionSet {
  let questions = set.questions;
  if (ids && ids.length > 0) {
    const wanted = new Set(ids);
    questions = questions.filter((q) => wanted.has(q.id));
  }
  if (categories && categories.length > 0) {
    const wanted = new Set(categories);
    questions = questions.filter((q) => wanted.has(q.category));
  }
  if (limit !== undefined) questions = questions.slice(0, limit);
  return { ...set, questions };
}
