// The rows of one instrument in a CSV file with a ticker column. Polygon's flat files hold every
// ticker of a day: the caller names the one to read (CsvOptions.ticker, `--ticker`). Unnamed, every
// row must be of the first row's ticker, so that bars of two instruments are never read as one series.
import { TICKER_NAMES } from './csv-columns.js';
import type { Records } from './csv-records.js';
import { BarValidationError } from './errors.js';

export class TickerRows {
  private first: string | undefined;

  /** `column`: the ticker column (-1: none); `named`: the ticker to read, or undefined. */
  constructor(
    private readonly column: number,
    private readonly named: string | undefined,
  ) {
    if (named !== undefined && column < 0) {
      throw new BarValidationError(
        -1,
        'header',
        `no ticker column to find ${JSON.stringify(named)} in: accepted names (any case, spaces or _ ignored): ${TICKER_NAMES.map((n) => (n === 'tscode' ? 'ts_code' : n)).join(', ')}`,
      );
    }
  }

  /**
   * Whether the current record (bar `row` if kept) is a row to read: of the ticker named, or when
   * none is, of the first row's (another is an error naming it).
   */
  keep(r: Records, row: number): boolean {
    if (this.column < 0) return true;
    const t = r.cell(this.column).trim();
    this.first ??= t;
    if (this.named !== undefined) return t === this.named;
    if (t === this.first) return true;
    throw r.error(
      this.column,
      row,
      'ticker',
      `is not the first row's (${JSON.stringify(this.first)}): the file holds several tickers; name the one to read (--ticker, or ticker in code)`,
    );
  }

  /** The ticker every row read has (the plain-line path compares the cell with it): named, or the first row's. */
  get expected(): string | undefined {
    return this.named ?? this.first;
  }

  /** Throws when a ticker was named and no row has it. */
  checkFound(rows: number): void {
    if (this.named !== undefined && rows === 0) {
      const first = this.first === undefined ? '' : ` (the first row's is ${JSON.stringify(this.first)})`;
      throw new BarValidationError(-1, 'ticker', `no row has ticker ${JSON.stringify(this.named)}${first}`);
    }
  }
}
