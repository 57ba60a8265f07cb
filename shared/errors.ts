import { safeMessageLine } from './text/safe-text.ts';

/**
 * A mistake in what the user gave (a file, a field, an option): reported as one line naming it, exit code 1 in the
 * CLI, a 400 in browser mode. Kept below every layer so that readers, data preparation and the CLI share one class.
 * The message is made safe on construction (control characters escaped, length bounded), since it often quotes the
 * input.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string) {
    super(safeMessageLine(message));
  }
}
