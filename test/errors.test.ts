// One error family: every class names itself, and the caller's faults (InputError) are told from
// the engine's with one instanceof check, as the service and the CLI map them.
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  BarValidationError,
  ChanEngineError,
  ConfigError,
  EngineFailureError,
  EngineTimeoutError,
  HistoryConflictError,
  InputError,
  InputFaultError,
  StateBlobError,
  WasmAbortError,
} from '../src/core/errors.js';
import { ServiceError, toServiceError } from '../src/service/service-error.js';

const errors = [
  [new BarValidationError(3, 'high', '8 is below low 9'), 'BarValidationError', true],
  [new HistoryConflictError(2, 'close', 'differs'), 'HistoryConflictError', true],
  [new ConfigError('macd.fast', 'must be smaller'), 'ConfigError', true],
  [new StateBlobError('bad magic'), 'StateBlobError', true],
  [new InputFaultError('both engines fail'), 'InputFaultError', true],
  [new WasmAbortError('wasm abort: x'), 'WasmAbortError', false],
  [new EngineTimeoutError('late'), 'EngineTimeoutError', false],
  [new EngineFailureError('error', 'broken'), 'EngineFailureError', false],
  [new ServiceError(status.NOT_FOUND, 'no bars'), 'ServiceError', false],
] as const;

describe('errors', () => {
  it.each(errors)('%s: its own name, a ChanEngineError, an InputError only if the caller can fix it', (e, name, input) => {
    expect(e.name).toBe(name);
    expect(e).toBeInstanceOf(ChanEngineError);
    expect(e instanceof InputError).toBe(input);
    expect(String(e)).toMatch(new RegExp(`^${name}: `));
  });

  it('input errors carry the field (column or config key) and the bar index', () => {
    const bar = new BarValidationError(3, 'high', '8 is below low 9');
    expect([bar.message, bar.field, bar.index]).toEqual(['bar 3: high 8 is below low 9', 'high', 3]);
    const cfg = new ConfigError('macd.fast', 'must be smaller');
    expect([cfg.message, cfg.field, cfg.index]).toEqual(['config macd.fast: must be smaller', 'macd.fast', undefined]);
  });

  it('the service maps them with one check: input -> INVALID_ARGUMENT (history, input both engines fail on: FAILED_PRECONDITION), engine -> UNAVAILABLE, the rest INTERNAL', () => {
    const code = (e: unknown) => {
      const s = toServiceError(e);
      return [status[s.code], s.index, s.field];
    };
    expect(code(new BarValidationError(3, 'high', 'x'))).toEqual(['INVALID_ARGUMENT', 3, 'high']);
    expect(code(new HistoryConflictError(2, 'close', 'x'))).toEqual(['FAILED_PRECONDITION', 2, 'close']);
    expect(code(new ConfigError('pen.definition', 'x'))).toEqual(['INVALID_ARGUMENT', undefined, 'pen.definition']);
    expect(code(new StateBlobError('x'))).toEqual(['INVALID_ARGUMENT', undefined, undefined]);
    expect(code(new InputFaultError('x'))).toEqual(['FAILED_PRECONDITION', undefined, undefined]);
    expect(code(new EngineFailureError('timeout', 'x'))).toEqual(['UNAVAILABLE', undefined, undefined]);
    expect(code(new TypeError('x is not a function'))).toEqual(['INTERNAL', undefined, undefined]);
  });
});
