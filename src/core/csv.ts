// Bars from CSV text as real exports write it: a header naming the columns (see csv-columns.ts) or
// none; `,` `;` or tab between cells, told from the first line; quoted cells (RFC 4180); times as
// epoch numbers or dates (csv-time-reader.ts); with a ticker column, one ticker's rows
// (csv-ticker.ts). The records are read where they lie in the text (csv-records.ts); lines of plain
// numbers after the first (most files) in one pass each (Records.plainLine): ~200 ns a line of SPY
// hourly instead of ~760.
import { allocateBars, sliceBars } from './bars.js';
import { columnLayout } from './csv-columns.js';
import { PlainCells, Records } from './csv-records.js';
import type { TimeUnit } from './csv-time.js';
import { TimeReader } from './csv-time-reader.js';
import { TickerRows } from './csv-ticker.js';
import { localTimeIn } from './csv-zone.js';
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
  /** In a file with a ticker column of several tickers (Polygon's flat files), the one whose rows are read. */
  readonly ticker?: string;
}

/**
 * Parses CSV text: a string, or the text's consecutive pieces split at line ends (not inside a
 * quoted cell), for a file longer than a JavaScript string can hold (~512 MB; the first piece holds
 * the header). A cell that cannot be read is a BarValidationError naming the data row (0-based), the
 * column and the line.
 */
export function parseBarsCsv(text: string | readonly string[], options: CsvOptions = {}): Bars {
  return parseCsv(text, options, true);
}

/**
 * `plainLines`: lines of plain numbers (most of a file) are read by Records.plainLine, the others by
 * the general reader, which alone also reads every line when false (the tests compare the two).
 */
export function parseCsv(text: string | readonly string[], options: CsvOptions, plainLines: boolean): Bars {
  const pieces = typeof text === 'string' ? [text] : text;
  // The first piece without a byte order mark, the last without a footer.
  const parts = pieces.map((p, i) => {
    const unmarked = i === 0 && p.charCodeAt(0) === 0xfeff ? p.slice(1) : p;
    return i === pieces.length - 1 ? withoutFooter(unmarked) : unmarked;
  });
  if (parts.every((p) => p.trim() === '')) throw new BarValidationError(-1, 'bars', 'the file is empty');
  const body = parts[0]!;
  // A first line without a delimiter above delimited ones is a title (CryptoDataDownload's web
  // address, 通达信's code, name and period): skipped. The next line or two tell the delimiter.
  const [line0, line1, line2] = firstLines(body);
  const title = !DELIMITED.test(line0) && (DELIMITED.test(line1) || DELIMITED.test(line2));
  const head = title ? line1 : line0,
    row = title ? line2 : line1;
  const delimiter = options.delimiter ?? rowDelimiter(head, row);
  const records = new Records(body, delimiter.charCodeAt(0));
  if (title) records.next();
  if (!records.next()) throw new BarValidationError(-1, 'bars', 'the file has no rows');
  // A header whose delimiter the rows lack (通达信's, in tabs or spaces above rows in commas) is
  // split by its own.
  const header =
    !head.includes(delimiter) && row.includes(delimiter)
      ? head.trim().split(DELIMITED.test(head) ? detectDelimiter(head) : / +/)
      : headerCells(records);
  const layout = columnLayout(header, (c) => !Number.isNaN(Number(c)) && c.trim() !== '');
  let lines = 1;
  for (const p of parts) for (let i = p.indexOf('\n'); i >= 0; i = p.indexOf('\n', i + 1)) lines++;
  const bars = allocateBars(lines);
  const time = new TimeReader(options.timeUnit, options.timeZone === undefined ? undefined : localTimeIn(options.timeZone));
  const single = 'single' in layout.time ? layout.time.single : -1;
  const cells = [single, layout.open, layout.high, layout.low, layout.close, layout.volume];
  const tickers = new TickerRows(layout.ticker, options.ticker);
  const plain = plainLines && single >= 0 ? new PlainCells(cells, layout.ticker) : null;
  if (plain !== null) plain.skipOthers = options.ticker !== undefined;
  let piece = 0;
  /** The next record, in this piece or the next ones. */
  const next = (): boolean => {
    if (records.next()) return true;
    while (++piece < parts.length) {
      records.continueWith(parts[piece]!);
      if (records.next()) return true;
    }
    return false;
  };
  let n = 0;
  for (let more = layout.hasHeader ? next() : true; more; more = next()) {
    if (!records.blank() && tickers.keep(records, n)) {
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
    plain.ticker = tickers.expected ?? '';
    const v = plain.values;
    for (let end = records.plainLine(plain); end !== -1; end = records.plainLine(plain)) {
      if (end < -1) {
        records.skipLine(-2 - end);
        continue;
      }
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
  tickers.checkFound(n);
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

/** The first three lines ('' past the end). */
function firstLines(text: string): [string, string, string] {
  const second = text.indexOf('\n') + 1;
  const third = second > 0 ? text.indexOf('\n', second) + 1 : 0;
  return [lineAt(text, 0), second > 0 ? lineAt(text, second) : '', third > 0 ? lineAt(text, third) : ''];
}

/** The header's delimiter, or the first row's when the header has none the row has (通达信's header in tabs above rows in commas). */
function rowDelimiter(head: string, row: string): string {
  if (!DELIMITED.test(head)) return detectDelimiter(row === '' ? head : row);
  const d = detectDelimiter(head);
  return row.includes(d) || !DELIMITED.test(row) ? d : detectDelimiter(row);
}

/** The text without 通达信's last line, `数据来源:通达信` (`#数据来源:通达信` in newer versions). */
function withoutFooter(text: string): string {
  let end = text.length;
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  const start = text.lastIndexOf('\n', end - 1) + 1;
  return FOOTER.test(text.slice(start, end)) ? text.slice(0, start) : text;
}

const FOOTER = /^\s*#?数据来源[:：]/;

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
