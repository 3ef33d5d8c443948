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
