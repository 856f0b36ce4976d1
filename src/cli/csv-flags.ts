// --time-unit, --time-zone, --ticker and --delimiter: how to read a CSV file whose times, rows or cells the file does not make clear.
import type { CsvOptions, TimeUnit } from '../core/csv.js';
import { TIME_UNITS } from '../core/csv-time.js';
import { localTimeIn } from '../core/csv-zone.js';
import { ConfigError } from '../core/errors.js';
import { UsageError } from './usage-error.js';

export interface CsvFlags {
  readonly timeUnit?: string;
  readonly timeZone?: string;
  readonly ticker?: string;
  readonly delimiter?: string;
}

const DELIMITERS: Readonly<Record<string, ',' | ';' | '\t'>> = { ',': ',', comma: ',', ';': ';', semicolon: ';', tab: '\t', '\t': '\t' };

export function csvOptions(f: CsvFlags): CsvOptions {
  if (f.timeUnit !== undefined && !TIME_UNITS.includes(f.timeUnit as TimeUnit)) {
    throw new UsageError(`--time-unit must be one of ${TIME_UNITS.join(', ')}, got "${f.timeUnit}"`);
  }
  const delimiter = f.delimiter === undefined ? undefined : DELIMITERS[f.delimiter];
  if (f.delimiter !== undefined && delimiter === undefined) {
    throw new UsageError(`--delimiter must be , ; or tab (or comma, semicolon), got "${f.delimiter}"`);
  }
  if (f.timeZone !== undefined) {
    try {
      localTimeIn(f.timeZone);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`--time-zone: ${e.reason}`);
      throw e;
    }
  }
  if (f.ticker !== undefined && f.ticker.trim() === '') throw new UsageError('--ticker needs a ticker (as the file writes it: AAPL)');
  return {
    ...(f.timeUnit !== undefined && { timeUnit: f.timeUnit as TimeUnit }),
    ...(f.ticker !== undefined && { ticker: f.ticker.trim() }),
    ...(f.timeZone !== undefined && { timeZone: f.timeZone }),
    ...(delimiter !== undefined && { delimiter }),
  };
}
