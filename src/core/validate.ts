// Input validation: runs before any work, so a bad batch never produces partial results.
import { BarValidationError } from './errors.js';
import type { Bars } from './types.js';

const PRICE_FIELDS = ['open', 'high', 'low', 'close'] as const;

/**
 * The largest price and volume accepted. Far above any traded value, and low enough that every
 * intermediate of every stage stays finite: EMAs stay within the prices, the MACD histogram within
 * 2 x 1e15 x the largest histogram scale (1e6), pivot mids within 1e15 (test/validation.test.ts runs
 * both engines at these bounds). Prices up to 1e15 also keep whole cents exact in a double.
 */
export const MAX_PRICE = 1e15;
export const MAX_VOLUME = 1e18;
/** Timestamps (ms since 1970) are bounded by the dates a JavaScript Date can hold, so every one can be printed. */
export const MAX_TIME = 8.64e15;
const ALL_FIELDS = ['timestamp', ...PRICE_FIELDS, 'volume'] as const;

/**
 * Throws BarValidationError naming the first bad bar and field. `previousTimestamp` lets a caller
 * validate a batch that continues an already stored series.
 */
export function validateBars(bars: Bars, previousTimestamp = -Infinity): void {
  // From JavaScript anything may come: say what is missing rather than fail reading it.
  if (bars === null || typeof bars !== 'object' || Array.isArray(bars)) {
    const got = Array.isArray(bars) ? 'an array: barsFromObjects(bars) makes the columns of an array of bar objects' : String(bars);
    throw new BarValidationError(-1, 'bars', `must be an object of columns (${ALL_FIELDS.join(', ')}), got ${got}`);
  }
  for (const f of ALL_FIELDS) {
    if (typeof (bars[f] as { length?: unknown } | undefined)?.length !== 'number') {
      throw new BarValidationError(-1, f, 'column is missing (an array of numbers)');
    }
  }
  const n = bars.timestamp.length;
  if (n === 0) throw new BarValidationError(-1, 'bars', 'input is empty');
  for (const f of ALL_FIELDS) {
    if (bars[f].length !== n) {
      throw new BarValidationError(-1, f, `column has ${bars[f].length} values, timestamp has ${n}`);
    }
  }
  const { timestamp, open, high, low, close, volume } = bars;
  // Typed arrays hold numbers only; plain arrays may hold anything, and a string compares as text.
  const typed = ALL_FIELDS.every((f) => ArrayBuffer.isView(bars[f]));
  let prev = previousTimestamp;
  for (let i = 0; i < n; i++) {
    const t = timestamp[i]!;
    if (!((typed || numbersAt(bars, i)) && barOk(t, open[i]!, high[i]!, low[i]!, close[i]!, volume[i]!, prev))) diagnose(bars, i, prev);
    prev = t;
  }
}

/** Validates one bar of a stream (row `index`), given the previous bar's timestamp. */
export function validateBar(b: { readonly [F in (typeof ALL_FIELDS)[number]]: number }, index: number, previousTimestamp: number): void {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    const got = Array.isArray(b) ? 'an array' : String(b);
    throw new BarValidationError(index, 'bar', `must be an object with ${ALL_FIELDS.join(', ')}, got ${got}`);
  }
  // Each field by name: a loop over the field names costs ~50 ns a bar, these ~5 (a stream's every append).
  const numbers =
    typeof b.timestamp === 'number' &&
    typeof b.open === 'number' &&
    typeof b.high === 'number' &&
    typeof b.low === 'number' &&
    typeof b.close === 'number' &&
    typeof b.volume === 'number';
  if (!(numbers && barOk(b.timestamp, b.open, b.high, b.low, b.close, b.volume, previousTimestamp)))
    diagnose((f) => b[f], index, previousTimestamp);
}

/** Fast path: one comparison chain (NaN fails every comparison); any failure is then diagnosed. */
function barOk(t: number, o: number, h: number, l: number, c: number, v: number, prev: number): boolean {
  return (
    t > prev &&
    t <= MAX_TIME &&
    t >= -MAX_TIME &&
    l >= 0 &&
    h <= MAX_PRICE &&
    v >= 0 &&
    v <= MAX_VOLUME &&
    h >= o &&
    h >= c &&
    l <= o &&
    l <= c
  );
}

/** Why a field's value is not a number (the reason a BarValidationError gives), or null when it is one. */
export function notANumber(v: unknown): string | null {
  if (typeof v === 'number') return null;
  if (v === undefined) return 'is missing';
  if (v === null) return 'is null, not a number';
  if (typeof v === 'string') return `is a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}), not a number`;
  return typeof v === 'object' ? 'is an object, not a number' : `is a ${typeof v} (${String(v)}), not a number`;
}

/** Whether every field of row i of columns given as plain arrays (from JavaScript) holds a number. */
function numbersAt(bars: Bars, i: number): boolean {
  for (const f of ALL_FIELDS) if (typeof bars[f][i] !== 'number') return false;
  return true;
}

/** Throws the precise error for bar i (fields checked in column order). */
function diagnose(bars: Bars | ((f: (typeof ALL_FIELDS)[number]) => number), i: number, prev: number): never {
  const get = typeof bars === 'function' ? bars : (f: (typeof ALL_FIELDS)[number]) => bars[f][i]!;
  for (const f of ALL_FIELDS) {
    const v = get(f);
    const type = notANumber(v);
    if (type !== null) throw new BarValidationError(i, f, type);
    if (!Number.isFinite(v)) throw new BarValidationError(i, f, `is not a finite number (${v})`);
    if (f === 'timestamp' && Math.abs(v) > MAX_TIME) {
      throw new BarValidationError(
        i,
        f,
        `${v} is outside the dates a timestamp can name (+-8.64e15 ms from 1970, years -271821 to 275760)`,
      );
    }
    if (v < 0 && f !== 'timestamp') throw new BarValidationError(i, f, `is negative (${v})`);
    if (f === 'volume' ? v > MAX_VOLUME : f !== 'timestamp' && v > MAX_PRICE) {
      const [what, max] = f === 'volume' ? ['volume', '1e18'] : ['price', '1e15'];
      throw new BarValidationError(i, f, `${v} is above the largest ${what} accepted, ${max}`);
    }
  }
  const h = get('high'),
    l = get('low'),
    o = get('open'),
    c = get('close');
  if (h < l) throw new BarValidationError(i, 'high', `${h} is below low ${l}`);
  if (h < Math.max(o, c)) throw new BarValidationError(i, 'high', `${h} is below max(open, close) ${Math.max(o, c)}`);
  if (l > Math.min(o, c)) throw new BarValidationError(i, 'low', `${l} is above min(open, close) ${Math.min(o, c)}`);
  const t = get('timestamp');
  if (t === prev) throw new BarValidationError(i, 'timestamp', `duplicates the previous timestamp ${t}`);
  throw new BarValidationError(i, 'timestamp', `${t} is earlier than the previous timestamp ${prev} (unsorted)`);
}
