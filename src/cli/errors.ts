// Errors meant for the operator: printed as one clear message, never as a stack trace.
export class UserError extends Error {
  constructor(
    message: string,
    /** Process exit code. */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
