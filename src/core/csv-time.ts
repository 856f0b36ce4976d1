// The time cell of a CSV row: epoch numbers in s, ms, µs or ns (named, or told by their magnitude),
// ISO-8601 dates and date-times (no zone = UTC), dotted dates with the day first (16.07.2020),
// compact dates (20200716) and date-times (20200102093500, 20200102093500000), a date and a time of
// day in two columns.

import type { LocalToUtc } from './csv-zone.js';

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';
export const TIME_UNITS: readonly TimeUnit[] = ['s', 'ms', 'us', 'ns'];

/**
 * Epoch values by magnitude: each unit's range covers 1973-03-03 to the year 5138, so no value of a
 * plausible market series fits two units. Smaller values (1970-1973 in seconds or ms) cannot be told
 * apart: the unit must be named.
 */
const RANGES: readonly (readonly [TimeUnit, number, number])[] = [
  ['s', 1e8, 1e11],
  ['ms', 1e11, 1e14],
  ['us', 1e14, 1e17],
  ['ns', 1e17, 1e20],
];

/** The unit an epoch value's magnitude says, or undefined if it fits none. */
export function epochUnitOf(v: number): TimeUnit | undefined {
  const a = Math.abs(v);
  return RANGES.find(([, lo, hi]) => a >= lo && a < hi)?.[0];
}

/** An epoch value in `unit` as ms since the epoch. */
export function epochToMs(v: number, unit: TimeUnit): number {
  return unit === 's' ? v * 1000 : unit === 'ms' ? v : unit === 'us' ? v / 1e3 : v / 1e6;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => (m === 2 && leap(y) ? 29 : DAYS[m - 1]!);
const validDate = (y: number, m: number, d: number) => m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);

/** Whether an integer reads as a compact date of the years 1900-2999 (it may still not be a day). */
export const inCompactYears = (v: number) => Number.isInteger(v) && v >= 1900_01_01 && v <= 2999_12_31;

/** 20200716 as a number (the trade_date of Chinese data sources): that day at 00:00 UTC, or undefined. */
export function compactDate(v: number): number | undefined {
  if (!inCompactYears(v)) return undefined;
  const y = Math.floor(v / 10000),
    m = Math.floor(v / 100) % 100,
    d = v % 100;
  return validDate(y, m, d) ? Date.UTC(y, m - 1, d) : undefined;
}

const COMPACT_DATE_TIME = /^(\d{4})(\d{2})(\d{2})[ T]?(\d{2})(\d{2})(\d{2})(\d{3})?$/;

/**
 * 20200102093500 or 20200102093500000 (yyyyMMddHHmmss, then optionally SSS: baostock's minute bars;
 * a space or T may part the date and the time: NinjaTrader's 20200102 093500) of the years 1900-2999
 * as ms since the epoch (UTC), or undefined. As epoch numbers they would be ms or µs after the year 2286.
 */
export function compactDateTime(s: string): number | undefined {
  const m = COMPACT_DATE_TIME.exec(s.trim());
  if (m === null) return undefined;
  const y = Number(m[1]),
    mo = Number(m[2]),
    d = Number(m[3]);
  if (y < 1900 || y > 2999 || !validDate(y, mo, d)) return undefined;
  const clock = timeOfDay(m[4]!, m[5]!, m[6], m[7]);
  return clock === undefined ? undefined : Date.UTC(y, mo - 1, d) + clock;
}

// 2020-07-16, 2020/07/16, 2020.07.16, then optionally T or space and 09:30, 09:30:05, 09:30:05.123,
// then optionally Z, UTC, GMT, +08:00, +0800 or +08, the last three also after UTC or GMT
// (Dukascopy's GMT+0800), where the hours may be one digit (GMT+8).
const DATE_TIME =
  /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{2}(?::?\d{2})?|(?:UTC|GMT)[+-]\d)?$/i;
// 16.07.2020: dots part a date with the day first wherever they are written so (Dukascopy, European
// exports); with slashes or dashes sources write the day or the month first (whyNotADate).
const DOTTED_DAY_FIRST = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])/;

/** 同花顺's weekday after a date: `2007-08-01,三`. */
const WEEKDAY_AFTER = /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}),[一二三四五六日](?=\s|$)/;

/**
 * The cell with a dotted day-first date rewritten year first (2020-07-16...) and a weekday after the
 * date dropped, or as it is.
 */
function asIsoDate(cell: string): string {
  const w = WEEKDAY_AFTER.exec(cell);
  if (w !== null) return w[1]! + cell.slice(w[0].length);
  const m = DOTTED_DAY_FIRST.exec(cell);
  return m === null ? cell : `${m[3]}-${m[2]}-${m[1]}${cell.slice(m[0].length)}`;
}
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

/**
 * An ISO-8601-like date or date-time as ms since the epoch, or undefined: in the zone it names, else
 * in `local`'s zone (csv-zone.ts), else in UTC.
 */
export function parseDateTime(s: string, local?: LocalToUtc): number | undefined {
  const m = DATE_TIME.exec(asIsoDate(s.trim()));
  if (m === null) return undefined;
  const y = Number(m[1]),
    mo = Number(m[3]),
    d = Number(m[4]);
  if (!validDate(y, mo, d)) return undefined;
  const clock = m[5] === undefined ? 0 : timeOfDay(m[5], m[6]!, m[7], m[8]);
  if (clock === undefined) return undefined;
  const wall = Date.UTC(y, mo - 1, d) + clock;
  return m[9] === undefined && local !== undefined ? local(wall) : wall - zoneOffsetMs(m[9]);
}

/** The form of a compact date-time cell, for messages: `yyyyMMdd HHmmss` of `20200102 093500`. */
export function compactForm(cell: string): string {
  let k = 0;
  return cell.trim().replace(/\d/g, () => 'yyyyMMddHHmmssSSS'[k++]!);
}

const DAY_OR_MONTH_FIRST = /^(\d{1,2})([-/])(\d{1,2})\2(\d{4})(?![\d/-])/;
/**
 * A date whose year has three digits: the Republic of China calendar's (民國 115 is 2026), as
 * Taiwan's exchange writes.
 */
const ROC_DATE = /^(1\d\d)\/(\d{1,2})\/(\d{1,2})$/;

/**
 * Why a cell parseDateTime refuses is not a date (and how to write it), where that can be told: a
 * day that is not in the calendar, a time of day out of range, a year of the Republic of China
 * calendar, or the day or month first (sources write 01/02/2020 for either day: the year first is
 * the form every source reads alike). Else undefined.
 */
export function whyNotADate(s: string): string | undefined {
  const cell = s.trim();
  const asRead = asIsoDate(cell);
  const m = DATE_TIME.exec(asRead);
  if (m !== null) {
    const y = Number(m[1]),
      mo = Number(m[3]);
    const dotted = asRead === cell ? '' : ' (a date with dots is read day first: DD.MM.YYYY)';
    if (mo < 1 || mo > 12) return `is not a calendar date: months run 1 to 12${dotted}`;
    if (!validDate(y, mo, Number(m[4]))) return `is not a calendar date: ${m[1]}-${pad(mo)} has ${daysIn(y, mo)} days${dotted}`;
    return 'is not a time of day: hours run 0 to 23, minutes and seconds 0 to 59';
  }
  const roc = ROC_DATE.exec(cell);
  if (roc !== null) {
    const y = Number(roc[1]) + 1911;
    if (validDate(y, Number(roc[2]), Number(roc[3])))
      return `has a year of the Republic of China (民國) calendar: ${roc[1]} is ${y}; write ${y}-${pad(Number(roc[2]))}-${pad(Number(roc[3]))}`;
  }
  const f = DAY_OR_MONTH_FIRST.exec(cell);
  if (f === null) return undefined;
  const y = Number(f[4]),
    a = Number(f[1]),
    b = Number(f[3]);
  const iso = (mo: number, d: number) => `${f[4]}-${pad(mo)}-${pad(d)}`;
  const monthFirst = validDate(y, a, b),
    dayFirst = validDate(y, b, a);
  if (!monthFirst && !dayFirst) return undefined;
  const fix =
    monthFirst && dayFirst && a !== b
      ? `${iso(a, b)} if the month comes first, ${iso(b, a)} if the day does`
      : monthFirst
        ? iso(a, b)
        : iso(b, a);
  return `has the day or month first, which sources write either way: write the year first (${fix})`;
}

const pad = (v: number) => String(v).padStart(2, '0');

const DIGITS_OF_DAY = /^(\d{1,2})(\d{2})(\d{2})?$/;

/** A time of day (09:30, 09:30:05, 09:30:05.250; without colons 0930, 930, 093005) as ms since midnight, or undefined. */
export function parseTimeOfDay(s: string): number | undefined {
  const cell = s.trim();
  const m = TIME_OF_DAY.exec(cell) ?? DIGITS_OF_DAY.exec(cell);
  return m === null ? undefined : timeOfDay(m[1]!, m[2]!, m[3], m[4]);
}

function timeOfDay(h: string, min: string, sec: string | undefined, frac: string | undefined): number | undefined {
  const hh = Number(h),
    mm = Number(min),
    ss = sec === undefined ? 0 : Number(sec);
  if (hh > 23 || mm > 59 || ss > 59) return undefined;
  return ((hh * 60 + mm) * 60 + ss) * 1000 + (frac === undefined ? 0 : Number(`0.${frac}`) * 1000);
}

function zoneOffsetMs(zone: string | undefined): number {
  const offset = zone?.replace(/^(UTC|GMT)/i, '') ?? '';
  if (offset === '' || /^Z$/i.test(offset)) return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
}
