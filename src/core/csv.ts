// Parser for the uniform CSV format: timestamp,open,high,low,close,volume (header required).
import { allocateBars, sliceBars } from './bars.js';
import { BarValidationError } from './errors.js';
import type { Bars } from './types.js';

const COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Parses CSV text. Unparseable cells are a BarValidationError naming the row (0-based data row) and column. */
export function parseBarsCsv(text: string): Bars {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '')
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  const order = COLUMNS.map((c) => header.indexOf(c));
  const missing = COLUMNS.filter((_, k) => order[k]! < 0);
  if (missing.length > 0) {
    throw new BarValidationError(-1, 'header', `missing column(s) ${missing.join(', ')}; expected ${COLUMNS.join(',')}`);
  }
  const bars = allocateBars(lines.length);
  const cols = [bars.timestamp, bars.open, bars.high, bars.low, bars.close, bars.volume];
  let n = 0;
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    for (let k = 0; k < COLUMNS.length; k++) {
      const cell = cells[order[k]!];
      const v = cell === undefined || cell.trim() === '' ? NaN : Number(cell);
      if (Number.isNaN(v)) {
        throw new BarValidationError(n, COLUMNS[k]!, `cannot parse "${cell ?? ''}" (line ${li + 1})`);
      }
      cols[k]![n] = v;
    }
    n++;
  }
  return sliceBars(bars, 0, n);
}
