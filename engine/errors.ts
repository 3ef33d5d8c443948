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
