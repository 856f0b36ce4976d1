// A SubmitKlines batch as the store takes it: timestamps brought to milliseconds (from the unit the
// request or the server names), checked to look like milliseconds when no unit was named, and the
// bars' spacing checked against the timeframe.
import { status as Code } from '@grpc/grpc-js';
import { barsFromObjects } from '../core/bars.js';
import { BarValidationError } from '../core/errors.js';
import type { Bars } from '../core/types.js';
import { MAX_TIME } from '../core/validate.js';
import type { Kline } from './messages.js';
import { ServiceError } from './service-error.js';

export type TimestampUnit = 'milliseconds' | 'seconds' | 'microseconds';

/** The shortest spacing of each timeframe's bars, ms. */
export const TIMEFRAME_MS: Readonly<Record<string, number>> = {
  M1: 60_000,
  M3: 180_000,
  M5: 300_000,
  M15: 900_000,
  M30: 1_800_000,
  H1: 3_600_000,
  H2: 7_200_000,
  H4: 14_400_000,
  D1: 86_400_000,
  W1: 7 * 86_400_000,
  MN1: 28 * 86_400_000,
};

/** Timestamps in ms below this (1973-03-03) or above MAX_MS (year 5138) are read as seconds or µs by mistake. */
const MIN_MS = 1e11,
  MAX_MS = 1e14;

const iso = (ms: number) => (Math.abs(ms) <= MAX_TIME ? new Date(ms).toISOString() : 'out of range');

/**
 * The batch in ms. `explicit`: the unit was named (by the request or the server's setting), so no
 * guessing; otherwise a batch whose timestamps all look like seconds or microseconds is refused, naming
 * its first bar, rather than stored in 1970 or far in the future.
 */
export function klineBars(klines: readonly Kline[], unit: TimestampUnit, explicit: boolean): Bars {
  const bars = barsFromObjects(klines);
  const t = bars.timestamp;
  if (unit === 'seconds') for (let i = 0; i < t.length; i++) t[i] = t[i]! * 1000;
  else if (unit === 'microseconds') {
    for (let i = 0; i < t.length; i++) {
      if (t[i]! % 1000 !== 0) throw new BarValidationError(i, 'timestamp', `${t[i]} µs is not a whole number of milliseconds`);
      t[i] = t[i]! / 1000;
    }
  }
  if (explicit || t.length === 0) return bars;
  const first = t[0]!;
  if (t.every((v) => v > 0 && v < MIN_MS)) {
    throw new ServiceError(
      Code.INVALID_ARGUMENT,
      `bar 0: timestamp ${first} looks like seconds (${iso(first * 1000)} as seconds, ${iso(first)} as milliseconds): send milliseconds since the epoch, or set timestamp_unit to TIMESTAMP_UNIT_SECONDS (TIMESTAMP_UNIT_MILLISECONDS keeps these as they are)`,
      0,
      'timestamp',
    );
  }
  if (t.every((v) => v > MAX_MS)) {
    throw new ServiceError(
      Code.INVALID_ARGUMENT,
      `bar 0: timestamp ${first} looks like microseconds (${iso(first / 1000)} as microseconds, ${iso(first)} as milliseconds): send milliseconds, or set timestamp_unit to TIMESTAMP_UNIT_MICROSECONDS`,
      0,
      'timestamp',
    );
  }
  return bars;
}

/**
 * Checks the bars' spacing against the timeframe. Two bars closer than half a bar of the timeframe
 * cannot both belong to it: refused, naming the bar (no data can be right that way). Bars much farther
 * apart than the timeframe (a median over 20 bars of it) may be a sparse series, so that is only a
 * warning, which names the timeframe the spacing suggests (daily bars sent as TIMEFRAME_M5).
 */
export function spacingWarnings(bars: Bars, timeframe: string): string[] {
  const period = TIMEFRAME_MS[timeframe]!;
  const t = bars.timestamp;
  for (let i = 1; i < t.length; i++) {
    const d = t[i]! - t[i - 1]!;
    // Unsorted or repeated timestamps (d <= 0) are the validation's to report.
    if (d > 0 && d < period / 2) {
      throw new ServiceError(
        Code.INVALID_ARGUMENT,
        `bar ${i}: timestamp is ${d} ms after the previous bar, less than half a TIMEFRAME_${timeframe} bar (${period} ms): is the timeframe right?`,
        i,
        'timestamp',
      );
    }
  }
  if (t.length < 3) return [];
  const gaps = Array.from({ length: t.length - 1 }, (_, i) => t[i + 1]! - t[i]!).sort((a, b) => a - b);
  const median = gaps[gaps.length >> 1]!;
  if (median <= 20 * period) return [];
  const suggested = Object.entries(TIMEFRAME_MS).reduce((best, e) =>
    Math.abs(Math.log(e[1] / median)) < Math.abs(Math.log(best[1] / median)) ? e : best,
  );
  return [
    `the bars are a median ${median} ms apart, ${Math.round(median / period)} TIMEFRAME_${timeframe} bars: is the timeframe TIMEFRAME_${suggested[0]}?`,
  ];
}
