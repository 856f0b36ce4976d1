// The command line's own error: a command that cannot be run as written (exit code 2, with the usage).
import { ChanEngineError } from '../core/errors.js';

export class UsageError extends ChanEngineError {
  override readonly name: string = 'UsageError';
}
