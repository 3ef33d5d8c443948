/**
 * Hook for scoring with a judge model later (free-form answers, paraphrased values). The sweep works
 * without one: string matching (scoring.ts) is the score. When a judge is passed to `runNeedleSweep`,
 * each finished cell is also judged and the record gets `judge: {score, rationale}` beside the
 * string-match `score`, so the two can be compared; reports keep using `score`.
 *
 * A judge is any object with this method — e.g. a LanguageModel prompted with the question, the
 * expected values and the answer. No judge ships with gnomon yet.
 */
export interface JudgeRequest {
  readonly question: string;
  readonly expected: readonly string[];
  readonly output: string;
  readonly language: 'en' | 'zh';
}

export interface JudgeVerdict {
  /** In [0, 1]. */
  readonly score: number;
  readonly rationale?: string;
}

export interface NeedleJudge {
  readonly name: string;
  judge(request: JudgeRequest): Promise<JudgeVerdict>;
}
