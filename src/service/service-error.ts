// The service's own errors: a gRPC status code, and the bar and field when one is at fault.
import { status as Code } from '@grpc/grpc-js';
import { ChanEngineError, EngineFailureError, HistoryConflictError, InputError, InputFaultError } from '../core/errors.js';
import { StoreCorruptionError, StoreFullError, StoreUnavailableError } from './store.js';

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

/** Any error as the status a caller gets: its own fault, the store's, an engine failure, or INTERNAL. */
export function toServiceError(e: unknown): ServiceError {
  if (e instanceof ServiceError) return e;
  // The caller's fault: a bad bar, option or history conflict (named by field and bar index); stored
  // bars both engines fail on (the series must be repaired) are a failed precondition too.
  if (e instanceof InputError)
    return new ServiceError(
      e instanceof HistoryConflictError || e instanceof InputFaultError ? Code.FAILED_PRECONDITION : Code.INVALID_ARGUMENT,
      e.message,
      e.index,
      e.field,
    );
  // The store cannot be trusted: the call fails rather than answer with damaged bars.
  if (e instanceof StoreCorruptionError) return new ServiceError(Code.DATA_LOSS, e.message);
  // The database cannot be reached (down, restarting, over its statement timeout): retryable elsewhere.
  if (e instanceof StoreUnavailableError) return new ServiceError(Code.UNAVAILABLE, e.message);
  if (e instanceof StoreFullError) return new ServiceError(Code.RESOURCE_EXHAUSTED, e.message);
  const code = (e as { code?: unknown }).code;
  // Another process holds the store's write lock beyond busy_timeout: retryable.
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new ServiceError(Code.UNAVAILABLE, `store busy: ${(e as Error).message}`);
  if (e instanceof EngineFailureError) return new ServiceError(Code.UNAVAILABLE, e.message);
  return new ServiceError(Code.INTERNAL, `internal error: ${(e as Error).message ?? String(e)}`);
}
