// Bars from CSV text as real exports write it: a header naming the columns (see csv-columns.ts) or
// none; `,` `;` or tab between cells, told from the first line; quoted cells (RFC 4180); times as
// epoch numbers or dates (csv-time.ts). Cells are read where they lie in the text (no line or cell
// strings are made for plain numbers): about 4x faster than splitting lines, which matters when a
// file of a million bars is read before an analysis of 30 ms. Lines of plain numbers after the first
// (most files) are read in one pass each (Records.plainLine): ~200 ns a line of SPY hourly instead of ~760.
import { allocateBars, sliceBars } from './bars.js';
import { columnLayout, type ColumnLayout } from './csv-columns.js';
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
import { localTimeIn, type LocalToUtc } from './csv-zone.js';
import { BarValidationError } from './errors.js';
import type { Bars } from './types.js';

export type { TimeUnit } from './csv-time.js';

export interface CsvOptions {
  /** Unit of epoch-number times; without it the numbers' magnitude tells it (an error if it cannot). */
  readonly timeUnit?: TimeUnit;
  /** The cell delimiter; without it the first line tells it. */
  readonly delimiter?: ',' | ';' | '\t';
  /** The zone (IANA name) of times written without one; without it they are UTC. Epoch numbers are instants. */
  readonly timeZone?: string;
}

/** Parses CSV text. A cell that cannot be read is a BarValidationError naming the data row (0-based), the column and the line. */
export function parseBarsCsv(text: string, options: CsvOptions = {}): Bars {
  return parseCsv(text, options, true);
}

/**
 * `plainLines`: lines of plain numbers (most of a file) are read by Records.plainLine, the others by
 * the general reader, which alone also reads every line when false (the tests compare the two).
 */
export function parseCsv(text: string, options: CsvOptions, plainLines: boolean): Bars {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new BarValidationError(-1, 'bars', 'the file is empty');
  // A first line without a delimiter above one with them is a title (CryptoDataDownload's web address): skipped.
  const second = body.indexOf('\n') + 1;
  const title = second > 0 && !DELIMITED.test(lineAt(body, 0)) && DELIMITED.test(lineAt(body, second));
  const records = new Records(body, (options.delimiter ?? detectDelimiter(lineAt(body, title ? second : 0))).charCodeAt(0));
  if (title) records.next();
  if (!records.next()) throw new BarValidationError(-1, 'bars', 'the file has no rows');
  const layout = columnLayout(headerCells(records), (c) => !Number.isNaN(Number(c)) && c.trim() !== '');
  let lines = 1;
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) lines++;
  const bars = allocateBars(lines);
  const time = new TimeReader(options.timeUnit, options.timeZone === undefined ? undefined : localTimeIn(options.timeZone));
  const single = 'single' in layout.time ? layout.time.single : -1;
  const cells = [single, layout.open, layout.high, layout.low, layout.close, layout.volume];
  const plain = plainLines && single >= 0 ? new PlainCells(cells) : null;
  let n = 0;
  for (let more = layout.hasHeader ? records.next() : true; more; more = records.next()) {
    if (!records.blank()) {
      bars.timestamp[n] = time.read(records, layout, n);
      bars.open[n] = records.number(layout.open, n, 'open');
      bars.high[n] = records.number(layout.high, n, 'high');
      bars.low[n] = records.number(layout.low, n, 'low');
      bars.close[n] = records.number(layout.close, n, 'close');
      bars.volume[n] = layout.volume < 0 ? 0 : records.number(layout.volume, n, 'volume');
      n++;
    }
    // The lines after it that are plain numbers, with a time the general reader would take as it is;
    // the first other line (or error) goes to the general reader.
    if (plain === null) continue;
    const v = plain.values;
    for (let end = records.plainLine(plain); end >= 0; end = records.plainLine(plain)) {
      const t = time.ofNumber(v[0]!);
      if (t === undefined) break;
      records.skipLine(end);
      bars.timestamp[n] = t;
      bars.open[n] = v[1]!;
      bars.high[n] = v[2]!;
      bars.low[n] = v[3]!;
      bars.close[n] = v[4]!;
      bars.volume[n] = layout.volume < 0 ? 0 : v[5]!;
      n++;
    }
  }
  const out = sliceBars(bars, 0, n);
  if (newestFirst(out.timestamp)) for (const c of Object.values(out) as Float64Array[]) c.reverse();
  return out;
}

/** Every time earlier than the one before (a file written newest first, as some sites export): read in reverse. */
function newestFirst(t: Float64Array): boolean {
  if (!(t.length >= 2 && t[1]! < t[0]!)) return false;
  for (let i = 2; i < t.length; i++) if (!(t[i]! < t[i - 1]!)) return false;
  return true;
}

/** The cells a plain line is read for (time, open, high, low, close, volume; -1: none) and their values, in that order. */
class PlainCells {
  readonly values = new Float64Array(6);
  /** For each cell of a line up to the last read: the slot of its value, or -1. */
  readonly slotOf: Int8Array;
  constructor(cells: readonly number[]) {
    this.slotOf = new Int8Array(Math.max(...cells) + 1).fill(-1);
    cells.forEach((k, slot) => {
      if (k >= 0) this.slotOf[k] = slot;
    });
  }
}

/**
 * The first record's cells, the header's (or the first bar's). yfinance's download() saved by pandas
 * writes three header lines, its column levels and the index's name (`Price,Close,High,...`,
 * `Ticker,SPY,SPY,...`, `Date,,,...`): read as one header, the time in the first column.
 */
function headerCells(records: Records): string[] {
  const first = records.strings();
  const name = (k: number) => records.cell(k).trim().toLowerCase();
  if (name(0) !== 'price') return first;
  const at = records.where();
  if (records.next() && name(0) === 'ticker') {
    const tickers = [
      ...new Set(
        records
          .strings()
          .slice(1)
          .map((t) => t.trim()),
      ),
    ];
    if (tickers.length > 1) {
      throw new BarValidationError(
        -1,
        'header',
        `the file holds ${tickers.length} tickers (${tickers.slice(0, 5).join(', ')}${tickers.length > 5 ? ', ...' : ''}), as yfinance writes several: save each in a file of its own`,
      );
    }
    if (records.next() && records.strings().every((c, k) => k === 0 || c.trim() === '')) return [records.cell(0), ...first.slice(1)];
  }
  records.back(at);
  return first;
}

const DELIMITED = /[,;\t]/;

/** The line of the text that starts at `start`. */
function lineAt(text: string, start: number): string {
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

/** The delimiter the header's line (or the first bar's) uses most among `,` `;` and tab. */
function detectDelimiter(line: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, line.split(d).length - 1] as const).sort((a, b) => b[1] - a[1]);
  const [best, second] = counts;
  if (best![1] === 0)
    throw new BarValidationError(-1, 'header', `cannot tell the delimiter: the first line has no comma, semicolon or tab`);
  if (best![1] === second![1]) {
    const name = (d: string) => (d === '\t' ? 'tab' : `"${d}"`);
    throw new BarValidationError(
      -1,
      'header',
      `cannot tell the delimiter: the first line has as many ${name(best![0])} as ${name(second![0])}; name it (--delimiter)`,
    );
  }
  return best![0];
}

const DAY_MS = 86_400_000;
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/** The records of the text, one at a time: where each cell lies (or, quoted, its value). */
class Records {
  private pos = 0;
  private nextLine = 1;
  /** Line (1-based) where the current record starts. */
  line = 0;
  count = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly quoted: (string | undefined)[] = [];

  constructor(
    private readonly text: string,
    private readonly delim: number,
  ) {}

  /** Moves to the next record; false at the end of the text. */
  next(): boolean {
    const t = this.text,
      n = t.length,
      d = this.delim;
    if (this.pos >= n) return false;
    this.line = this.nextLine;
    let pos = this.pos,
      k = 0;
    for (;;) {
      if (t.charCodeAt(pos) === 34) {
        // A quoted cell: "" inside is one quote; delimiters and line ends inside are text.
        let value = '';
        pos++;
        for (;;) {
          const q = t.indexOf('"', pos);
          if (q < 0) throw new BarValidationError(-1, 'bars', `a quote opened on line ${this.line} is never closed`);
          value += t.slice(pos, q);
          for (let i = t.indexOf('\n', pos); i >= 0 && i < q; i = t.indexOf('\n', i + 1)) this.nextLine++;
          if (t.charCodeAt(q + 1) === 34) {
            value += '"';
            pos = q + 2;
          } else {
            pos = q + 1;
            break;
          }
        }
        const a = pos;
        while (pos < n && t.charCodeAt(pos) !== d && t.charCodeAt(pos) !== 10) pos++;
        this.quoted[k] = value + t.slice(a, pos).trimEnd();
      } else {
        const a = pos;
        let c = 0;
        while (pos < n && (c = t.charCodeAt(pos)) !== d && c !== 10) pos++;
        this.starts[k] = a;
        this.ends[k] = pos > a && t.charCodeAt(pos - 1) === 13 ? pos - 1 : pos;
        this.quoted[k] = undefined;
      }
      k++;
      if (pos >= n) break;
      const c = t.charCodeAt(pos++);
      if (c === 10) {
        this.nextLine++;
        break;
      }
    }
    this.pos = pos;
    this.count = k;
    return true;
  }

  /**
   * Reads the next line if it is plain: no quote opening a cell, not blank, and each cell of `p`
   * a plain decimal (plainDecimal).
   * Returns the position after the line (skipLine moves there), or -1 when the general reader must
   * read it; nothing moves either way.
   */
  plainLine(p: PlainCells): number {
    const t = this.text,
      n = t.length,
      d = this.delim,
      slotOf = p.slotOf,
      last = slotOf.length - 1,
      values = p.values;
    let pos = this.pos;
    if (pos >= n) return -1;
    for (let k = 0; ; k++) {
      let c = t.charCodeAt(pos);
      if (c === 34) return -1;
      const slot = k <= last ? slotOf[k]! : -1;
      if (slot < 0) {
        while (pos < n && c !== d && c !== 10 && c !== 13) c = t.charCodeAt(++pos);
      } else {
        const v = plainDecimal(t, pos, n);
        if (Number.isNaN(v)) return -1;
        values[slot] = v;
        pos = decimalEnd;
        c = t.charCodeAt(pos);
      }
      // The cell ends here: at a delimiter, a line end (\n or \r\n) or the text's end; anything else
      // (a lone \r) is the general reader's.
      if (pos >= n || c === 10 || (c === 13 && (pos + 1 >= n || t.charCodeAt(pos + 1) === 10))) {
        if (k < last) return -1;
        return c === 13 ? Math.min(n, pos + 2) : pos + 1;
      }
      if (c !== d) return -1;
      pos++;
    }
  }

  /** Where the reader stands: `back` returns there. */
  where(): readonly [number, number] {
    return [this.pos, this.nextLine];
  }

  back([pos, nextLine]: readonly [number, number]): void {
    this.pos = pos;
    this.nextLine = nextLine;
  }

  /** Moves past the line plainLine read, ending at `end`. */
  skipLine(end: number): void {
    this.pos = end;
    this.line = this.nextLine++;
  }

  /** The current record's cell k as text ('' past its end). */
  cell(k: number): string {
    if (k >= this.count) return '';
    return this.quoted[k] ?? this.text.slice(this.starts[k], this.ends[k]);
  }

  strings(): string[] {
    return Array.from({ length: this.count }, (_, k) => this.cell(k));
  }

  /** A line with nothing on it (or only spaces). */
  blank(): boolean {
    return this.count === 1 && this.cell(0).trim() === '';
  }

  /** Cell k as a number, NaN if it is not one. */
  numberOrNaN(k: number): number {
    if (k >= this.count) return NaN;
    const q = this.quoted[k];
    if (q !== undefined) return q.trim() === '' ? NaN : Number(q);
    return numberAt(this.text, this.starts[k]!, this.ends[k]!);
  }

  /** Cell k as a number; a cell that is none is an error naming the row, the field and the line. */
  number(k: number, row: number, field: string): number {
    const v = this.numberOrNaN(k);
    if (Number.isNaN(v)) {
      const e = this.error(k, row, field);
      const why = likelyMistake(this.cell(k).trim());
      throw why === undefined ? e : new BarValidationError(row, field, `${e.reason}: ${why}`);
    }
    return v;
  }

  /** The error for cell k: `cannot parse "x" (line 3)`, or with `why`: `"x" is ... (line 3)`. */
  error(k: number, row: number, field: string, why?: string): BarValidationError {
    const cell = `"${this.cell(k)}"`;
    return new BarValidationError(row, field, `${why === undefined ? `cannot parse ${cell}` : `${cell} ${why}`} (line ${this.line})`);
  }
}

/** What a cell that is no number most likely means, as exports write numbers for people to read. */
function likelyMistake(cell: string): string | undefined {
  if (/^-?\d+,\d+$/.test(cell)) return `a decimal comma? numbers need a decimal point (${cell.replace(',', '.')})`;
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(cell)) return `thousands separators? write the number without them (${cell.replaceAll(',', '')})`;
  if (/^-?\d+(\.\d+)?\s*[kmb]$/i.test(cell)) return 'a K, M or B suffix (thousand, million, billion)? write the whole number';
  if (/^nan$/i.test(cell)) return 'a bar without trades? remove the rows with NaN';
  return undefined;
}

/**
 * The decimal number in text[a, b) (spaces around allowed): a plain decimal (plainDecimal) is
 * computed here, anything else goes to Number(); only spaces is NaN.
 */
function numberAt(t: string, a: number, b: number): number {
  const v = plainDecimal(t, a, b);
  if (!Number.isNaN(v) && decimalEnd === b) return v;
  const cell = t.slice(a, b);
  return /^ *$/.test(cell) ? NaN : Number(cell);
}

/** Where the last plainDecimal stopped reading. */
let decimalEnd = 0;

/**
 * The plain decimal at text[a] (before b): spaces, a sign, digits and a point (at most 15 digits),
 * spaces; decimalEnd is set to the first character after them. Computed exactly as Number() would
 * read it: the digits as an integer (exact below 2^53) divided by a power of ten (exact up to 10^22)
 * rounds once, correctly. NaN when there is none there.
 */
function plainDecimal(t: string, a: number, b: number): number {
  let i = a;
  while (i < b && t.charCodeAt(i) === 32) i++;
  const sign = i < b ? t.charCodeAt(i) : 0;
  if (sign === 45 || sign === 43) i++;
  let m = 0,
    digits = 0,
    frac = -1;
  for (; i < b; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else break;
  }
  while (i < b && t.charCodeAt(i) === 32) i++;
  decimalEnd = i;
  if (digits === 0 || digits > 15) return NaN;
  const v = frac > 0 ? m / POW10[frac]! : m;
  return sign === 45 ? -v : v;
}

/** Reads the time of each row, in the way the first row's time showed (an epoch unit, or dates). */
class TimeReader {
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
