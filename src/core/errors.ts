// Typed errors: every message names where the problem is.

/** A bar failed validation; nothing was computed or stored. */
export class BarValidationError extends Error {
  override readonly name: string = 'BarValidationError';
  constructor(
    /** Row of the offending bar (0-based), or -1 for a problem with the input as a whole. */
    readonly index: number,
    /** Column that failed (timestamp, open, high, low, close, volume) or 'bars' for the whole input. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(index >= 0 ? `bar ${index}: ${field} ${reason}` : `${field}: ${reason}`);
  }
}

/** A configuration value is invalid; `key` is its dotted path (e.g. "macd.fast"). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`config ${key}: ${reason}`);
  }
}
