// Building columnar Bars from other shapes.
import { BarValidationError } from './errors.js';
import type { Bars } from './types.js';
import { notANumber } from './validate.js';

export interface BarObject {
  readonly timestamp: number | Date;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume?: number;
}

export function allocateBars(n: number): Bars {
  return {
    timestamp: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

/** Converts an array of bar objects to columns: each value a number (the timestamp may be a Date; no volume is 0). Validate separately. */
export function barsFromObjects(rows: readonly BarObject[]): Bars {
  if (!Array.isArray(rows)) {
    const got = rows === null || rows === undefined ? String(rows) : typeof rows === 'object' ? 'an object' : `a ${typeof rows}`;
    throw new BarValidationError(-1, 'bars', `must be an array of bar objects ({ timestamp, open, high, low, close, volume }), got ${got}`);
  }
  const bars = allocateBars(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r === null || typeof r !== 'object') throw new BarValidationError(i, 'bar', 'is not an object');
    // Storing into a Float64Array would coerce anything ("" and null to 0): say what is not a number.
    bars.timestamp[i] = numberAt(r.timestamp instanceof Date ? r.timestamp.getTime() : r.timestamp, i, 'timestamp');
    bars.open[i] = numberAt(r.open, i, 'open');
    bars.high[i] = numberAt(r.high, i, 'high');
    bars.low[i] = numberAt(r.low, i, 'low');
    bars.close[i] = numberAt(r.close, i, 'close');
    bars.volume[i] = numberAt(r.volume ?? 0, i, 'volume');
  }
  return bars;
}

/** `x` when it is a number; otherwise a BarValidationError naming bar i's field and what it is. */
function numberAt(x: unknown, i: number, field: string): number {
  if (typeof x === 'number') return x;
  throw new BarValidationError(i, field, notANumber(x)!);
}

/** Row i as an object. */
export function barAt(b: Bars, i: number): { timestamp: number; open: number; high: number; low: number; close: number; volume: number } {
  return { timestamp: b.timestamp[i]!, open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! };
}

/** A view of rows [start, end) without copying. */
export function sliceBars(bars: Bars, start: number, end: number): Bars {
  return {
    timestamp: bars.timestamp.subarray(start, end),
    open: bars.open.subarray(start, end),
    high: bars.high.subarray(start, end),
    low: bars.low.subarray(start, end),
    close: bars.close.subarray(start, end),
    volume: bars.volume.subarray(start, end),
  };
}
