// Every error chan-engine throws on purpose, in one family. Callers tell the caller's fault from the
// engine's with one check: `e instanceof InputError` (bad bars, options, saved state or history).
// Every class sets `name`; the messages name where the problem is.

/** The base of every chan-engine error. */
export class ChanEngineError extends Error {
  override readonly name: string = 'ChanEngineError';
}

/**
 * The input was wrong (bars, options, saved state, history): the caller can fix it, and nothing was
 * computed or stored. `field` names the column or configuration key, `index` the bar, when known.
 */
export class InputError extends ChanEngineError {
  override readonly name: string = 'InputError';
  constructor(
    message: string,
    readonly field?: string,
    readonly index?: number,
  ) {
    super(message);
  }
}

/** A bar failed validation; nothing was computed or stored. */
export class BarValidationError extends InputError {
  override readonly name: string = 'BarValidationError';
  constructor(
    /** Row of the offending bar (0-based), or -1 for a problem with the input as a whole. */
    override readonly index: number,
    /** Column that failed (timestamp, open, high, low, close, volume) or 'bars' for the whole input. */
    override readonly field: string,
    readonly reason: string,
  ) {
    super(index >= 0 ? `bar ${index}: ${field} ${reason}` : `${field}: ${reason}`, field, index);
  }
}

/** A submitted bar would change stored history (only the last stored bar may be replaced). */
export class HistoryConflictError extends BarValidationError {
  override readonly name: string = 'HistoryConflictError';
}

/** A configuration value is invalid; `key` is its dotted path (e.g. "macd.fast"). */
export class ConfigError extends InputError {
  override readonly name: string = 'ConfigError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`config ${key}: ${reason}`, key);
  }
}

/** A saved analyzer state from another format, version or engine, or a damaged one. */
export class StateBlobError extends InputError {
  override readonly name: string = 'StateBlobError';
}

/**
 * Both engines fail on this input (a throw or an invalid output): the fault is the input's, so it is
 * the caller's error and counts against neither engine. The message says what failed.
 */
export class InputFaultError extends InputError {
  override readonly name: string = 'InputFaultError';
}

/** An AssemblyScript abort() inside the WASM module (message, file and position decoded). */
export class WasmAbortError extends ChanEngineError {
  override readonly name: string = 'WasmAbortError';
}

/** An engine call that did not answer in time. */
export class EngineTimeoutError extends ChanEngineError {
  override readonly name: string = 'EngineTimeoutError';
}

/** How a primary engine call failed (see the failover coordinator). */
export type FailureKind = 'load' | 'error' | 'timeout' | 'invalid-output' | 'shadow-mismatch' | 'canary';

/** The primary failed and failover is disabled: the error reaches the caller. */
export class EngineFailureError extends ChanEngineError {
  override readonly name: string = 'EngineFailureError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    override readonly cause?: unknown,
    /** What was wrong, without the engine's name (an invalid output's problem). */
    readonly detail = message,
  ) {
    super(message);
  }
}
