import { UserError } from '../cli/errors.js';

/** A lab failure the operator can act on: printed as a message, never a stack trace. */
export class LabError extends UserError {
  constructor(message: string) {
    super(message, 3);
    this.name = 'LabError';
  }
}
