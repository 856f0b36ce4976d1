// The records of CSV text, one at a time, read where they lie in the text: a cell's position, or a
// quoted cell's value (RFC 4180), and its number; lines of plain numbers in one pass each
// (Records.plainLine). No line or cell strings are made for plain numbers: about 4x faster than
// splitting lines, which matters when a file of a million bars is read before an analysis of 30 ms.
import { BarValidationError } from './errors.js';

/** The slot of a plain line's ticker cell (csv-ticker.ts), compared as text, not read as a number. */
const TICKER_SLOT = 6;

/**
 * The cells a plain line is read for (time, open, high, low, close, volume; -1: none) and their
 * values, in that order; and the ticker cell (-1: none), which must hold `ticker`.
 */
export class PlainCells {
  readonly values = new Float64Array(6);
  /** For each cell of a line up to the last read: the slot of its value (or TICKER_SLOT), or -1. */
  readonly slotOf: Int8Array;
  /** The ticker a line's ticker cell must hold to be read here. */
  ticker = '';
  /** Whether a line of another ticker is skipped (one is named), not left to the general reader. */
  skipOthers = false;
  constructor(cells: readonly number[], tickerCell: number) {
    this.slotOf = new Int8Array(Math.max(...cells, tickerCell) + 1).fill(-1);
    cells.forEach((k, slot) => {
      if (k >= 0) this.slotOf[k] = slot;
    });
    if (tickerCell >= 0) this.slotOf[tickerCell] = TICKER_SLOT;
  }
}

const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/** The records of the text, one at a time: where each cell lies (or, quoted, its value). */
export class Records {
  private pos = 0;
  private nextLine = 1;
  /** Line (1-based) where the current record starts. */
  line = 0;
  count = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly quoted: (string | undefined)[] = [];

  constructor(
    private text: string,
    private readonly delim: number,
  ) {}

  /** Goes on with the next piece of the text (the pieces split at line ends): its first record next, the line numbers counting on. */
  continueWith(text: string): void {
    this.text = text;
    this.pos = 0;
  }

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
   * Reads the next line if it is plain: no quote opening a cell, not blank, each cell of `p` a
   * plain decimal (plainDecimal), its ticker cell p.ticker.
   * Returns the position after the line (skipLine moves there), -2 - that position when the line is
   * of another ticker and p.skipOthers (a line without quotes: skipLine skips it), or -1 when the
   * general reader must read it; nothing moves either way.
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
      if (slot < 0 || slot === TICKER_SLOT) {
        const a = pos;
        while (pos < n && c !== d && c !== 10 && c !== 13) c = t.charCodeAt(++pos);
        if (slot === TICKER_SLOT && (pos - a !== p.ticker.length || !t.startsWith(p.ticker, a))) {
          // Another ticker's line, skipped whole; but a cell the general reader would trim, or a
          // quote later in the line (a cell over several lines), is left to it.
          if (!p.skipOthers || pos === a || outsideText(t.charCodeAt(a)) || outsideText(t.charCodeAt(pos - 1))) return -1;
          let e = pos;
          while (e < n && (c = t.charCodeAt(e)) !== 10) {
            if (c === 34) return -1;
            e++;
          }
          return -2 - Math.min(n, e + 1);
        }
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

/** A character that trim() may remove (spaces, controls, and beyond ASCII), or a quote. */
const outsideText = (c: number) => c <= 32 || c === 34 || c >= 127;

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
 * The plain decimal at text[a] (before b): spaces, a sign, digits and a point (at most 15 digits, or
 * an integer of up to 19: epoch µs and ns), spaces; decimalEnd is set to the first character after
 * them. Computed exactly as Number() would read it: the digits as an integer (exact below 2^53)
 * divided by a power of ten (exact up to 10^22) rounds once, correctly (wider integers: wideInteger).
 * NaN when there is none there.
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
  const end = i;
  while (i < b && t.charCodeAt(i) === 32) i++;
  decimalEnd = i;
  let v: number;
  if (digits === 0) return NaN;
  if (digits <= 15) v = frac > 0 ? m / POW10[frac]! : m;
  else if (digits <= 19 && frac < 0) v = wideInteger(t, end - digits, end);
  else return NaN;
  return sign === 45 ? -v : v;
}

/**
 * The integer of 16 to 19 digits in text[a, b), rounded as Number() rounds it: its leading digits
 * (at most 4) times 10^15 is exact in a double (under 2^49 times a power of two), its last 15 digits
 * are exact, so their sum rounds once, correctly.
 */
function wideInteger(t: string, a: number, b: number): number {
  const split = b - 15;
  let hi = 0,
    lo = 0;
  for (let i = a; i < split; i++) hi = hi * 10 + (t.charCodeAt(i) - 48);
  for (let i = split; i < b; i++) lo = lo * 10 + (t.charCodeAt(i) - 48);
  return hi * 1e15 + lo;
}
