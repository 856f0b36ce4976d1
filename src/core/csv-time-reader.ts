// The time of each CSV row, read in the way the first row's time showed: an epoch unit, a compact
// date or date-time, a date with a time of day beside it, or a date-time (csv-time.ts).
import type { ColumnLayout } from './csv-columns.js';
import type { Records } from './csv-records.js';
import {
  compactDate,
  compactDateTime,
  compactForm,
  epochToMs,
  epochUnitOf,
  inCompactYears,
  parseDateTime,
  parseTimeOfDay,
  whyNotADate,
  type TimeUnit,
} from './csv-time.js';
import type { LocalToUtc } from './csv-zone.js';

const DAY_MS = 86_400_000;

/** Reads the time of each row, in the way the first row's time showed (an epoch unit, or dates). */
export class TimeReader {
  private unit: TimeUnit | 'yyyymmdd' | 'compact' | undefined;
  /** The first row's compact date-time form, for messages. */
  private compactForm = '';

  /** Times written without a zone: in `local`'s (csv-zone.ts), else UTC. */
  private readonly wall: (t: number) => number;

  constructor(
    private readonly named: TimeUnit | undefined,
    private readonly local: LocalToUtc | undefined,
  ) {
    this.unit = named;
    this.wall = local ?? ((t) => t);
  }

  /**
   * The time of an epoch-number cell once the first row has set the unit: what `read` makes of it,
   * or undefined where `read` may refuse it (then the general reader reads the line).
   */
  ofNumber(v: number): number | undefined {
    const unit = this.unit;
    if (unit === undefined) return undefined;
    if (unit === 'yyyymmdd') {
      const t = compactDate(v);
      return t === undefined ? undefined : this.wall(t);
    }
    if (unit === 'compact') return undefined;
    if (this.named === undefined && epochUnitOf(v) !== unit) return undefined;
    return epochToMs(v, unit);
  }

  read(r: Records, layout: ColumnLayout, row: number): number {
    const time = layout.time;
    if ('date' in time) {
      const day = this.date(r, time.date, row);
      const cell = r.cell(time.clock);
      const clock = parseTimeOfDay(cell);
      if (clock !== undefined) return this.wall(day + clock);
      // baostock writes the whole date-time in its time column (20200102093500000).
      const whole = compactDateTime(cell);
      if (whole === undefined) throw r.error(time.clock, row, 'timestamp', 'is not a time of day');
      if (Math.floor(whole / DAY_MS) * DAY_MS !== day) throw r.error(time.clock, row, 'timestamp', 'is not on the date of its row');
      return this.wall(whole);
    }
    const k = time.single;
    // Compact date-times (20200102093500), told by the first row as the other forms are: the cell's
    // text (sliced once a row) is tried until a row shows another form, and on every row of a
    // compact column.
    const text = this.unit === undefined || this.unit === 'compact' ? r.cell(k) : undefined;
    const compact = text === undefined ? undefined : compactDateTime(text);
    if (this.unit === undefined && compact !== undefined) {
      this.unit = 'compact';
      this.compactForm = compactForm(r.cell(k));
    }
    if (this.unit === 'compact') {
      if (compact === undefined) throw r.error(k, row, 'timestamp', `is not a date-time like the first row's (${this.compactForm})`);
      return this.wall(compact);
    }
    const v = r.numberOrNaN(k);
    if (Number.isNaN(v)) {
      const cell = text ?? r.cell(k);
      const t = parseDateTime(cell, this.local);
      if (t === undefined) throw r.error(k, row, 'timestamp', whyNotADate(cell) ?? 'is not a date, date-time or epoch number');
      return t;
    }
    const first = this.unit === undefined;
    if (this.unit === undefined) {
      // The first epoch number decides: 8 digits of the years 1900-2999 are a date (20200716);
      // otherwise the magnitude.
      this.unit = /^\d{8}$/.test(r.cell(k).trim()) && inCompactYears(v) ? 'yyyymmdd' : epochUnitOf(v);
      if (this.unit === undefined) {
        throw r.error(
          k,
          row,
          'timestamp',
          Math.abs(v) < 1e8
            ? 'is too small to tell seconds from milliseconds (both would be before 1973): name the unit (--time-unit s|ms|us|ns)'
            : 'is too large for epoch seconds, ms, µs or ns (all would be after the year 5138)',
        );
      }
    }
    if (this.unit === 'yyyymmdd') {
      const t = compactDate(v);
      if (t === undefined)
        throw r.error(k, row, 'timestamp', first ? 'is not a date (read as yyyymmdd)' : "is not a date like the first row's (yyyymmdd)");
      return this.wall(t);
    }
    if (this.named === undefined && epochUnitOf(v) !== this.unit) {
      throw r.error(k, row, 'timestamp', `is not in ${this.unit} like the first row's time: name the unit (--time-unit)`);
    }
    return epochToMs(v, this.unit);
  }

  private date(r: Records, k: number, row: number): number {
    const cell = r.cell(k).trim();
    const t = /^\d{8}$/.test(cell) ? compactDate(Number(cell)) : parseDateTime(cell);
    if (t === undefined) throw r.error(k, row, 'timestamp', whyNotADate(cell) ?? 'is not a date');
    return t;
  }
}
