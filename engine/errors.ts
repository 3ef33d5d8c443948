/**
 * A failure the user can cause and fix (bad file, bad flag, missing adapter). The CLI prints it as
 * two lines — what went wrong (with the file, tensor or key), then how to fix it — and exits 2.
 * Anything that is not a UserError is a bug and is printed with its stack.
 */
export class UserError extends Error {
  /** What the user can do about it. */
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = 'UserError';
    this.hint = hint;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** What a failed request to a served model looked like, for error records (never holds the API key). */
export interface RequestFailureInfo {
  /** HTTP status of the last attempt; null when no reply came (refused, dropped, timed out). */
  readonly status: number | null;
  /** Attempts made, retries included. */
  readonly attempts: number;
  readonly message: string;
}

/**
 * A request a served model did not answer after its retries (HTTP 5xx, 429, dropped connection,
 * timeout, unreadable reply). Runners record it as an error for that unit — never as a wrong answer —
 * and `--resume` runs the unit again. A local model never throws it.
 */
export class ModelRequestError extends Error implements RequestFailureInfo {
  readonly status: number | null;
  readonly attempts: number;

  constructor(info: RequestFailureInfo) {
    super(info.message);
    this.name = 'ModelRequestError';
    this.status = info.status;
    this.attempts = info.attempts;
  }
}

/**
 * A batch call (scoreBatch, generateBatch) in which some requests failed: `outcomes` holds, in request
 * order, each finished result or the ModelRequestError of a failed one, so finished work is kept.
 */
export class BatchRequestError<T> extends Error {
  readonly outcomes: readonly (T | ModelRequestError)[];

  constructor(outcomes: readonly (T | ModelRequestError)[]) {
    const failed = outcomes.filter((o) => o instanceof ModelRequestError);
    super(`${failed.length} of ${outcomes.length} requests failed (first: ${(failed[0] as ModelRequestError | undefined)?.message ?? '?'})`);
    this.name = 'BatchRequestError';
    this.outcomes = outcomes;
  }
}

/**
 * The forward pass produced NaN or infinite logits (weights that overflow f32 arithmetic, or damage
 * the load-time check could not see). Runners turn it into an error record for the items concerned;
 * what was generated from such logits is never scored.
 */
export class NonFiniteScoreError extends UserError {
  constructor(what: string) {
    super(`${what}: the model produced non-finite logits (NaN or ±Inf)`, 'the checkpoint\'s weights overflow or are damaged; check it against its published hashes, or try --weights f32');
    this.name = 'NonFiniteScoreError';
  }
}
