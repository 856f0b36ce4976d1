// The service's own errors: a gRPC status code, and the bar and field when one is at fault.
import { status as Code } from '@grpc/grpc-js';
import { ChanEngineError } from '../core/errors.js';

/** An error with a gRPC status code; `index`/`field` name the offending bar when there is one. */
export class ServiceError extends ChanEngineError {
  override readonly name: string = 'ServiceError';
  constructor(
    readonly code: Code,
    message: string,
    readonly index?: number,
    readonly field?: string,
  ) {
    super(message);
  }
}
