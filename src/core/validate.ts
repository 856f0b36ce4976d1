// Input validation: runs before any work, so a bad batch never produces partial results.
import { BarValidationError } from './errors.js';
import type { Bars } from './types.js';

const PRICE_FIELDS = ['open', 'high', 'low', 'close'] as const;
const ALL_FIELDS = ['timestamp', ...PRICE_FIELDS, 'volume'] as const;

/**
 * Throws BarValidationError naming the first bad bar and field. `previousTimestamp` lets a caller
 * validate a batch that continues an already stored series.
 */
export function validateBars(bars: Bars, previousTimestamp = -Infinity): void {
  const n = bars.timestamp.length;
  if (n === 0) throw new BarValidationError(-1, 'bars', 'input is empty');
  for (const f of ALL_FIELDS) {
    if (bars[f].length !== n) {
      throw new BarValidationError(-1, f, `column has ${bars[f].length} values, timestamp has ${n}`);
    }
  }
  const { timestamp, open, high, low, close, volume } = bars;
  let prev = previousTimestamp;
  for (let i = 0; i < n; i++) {
    const t = timestamp[i]!, o = open[i]!, h = high[i]!, l = low[i]!, c = close[i]!, v = volume[i]!;
    // Fast path: one comparison chain (NaN fails every comparison); any failure is diagnosed below.
    const ok =
      t > prev && t < Infinity &&
      l >= 0 && h < Infinity && v >= 0 && v < Infinity &&
      h >= o && h >= c && l <= o && l <= c;
    if (!ok) diagnose(bars, i, prev);
    prev = t;
  }
}

/** Throws the precise error for bar i (fields checked in column order). */
function diagnose(bars: Bars, i: number, prev: number): never {
  for (const f of ALL_FIELDS) {
    const v = bars[f][i]!;
    if (!Number.isFinite(v)) throw new BarValidationError(i, f, `is not a finite number (${v})`);
    if (v < 0 && f !== 'timestamp') throw new BarValidationError(i, f, `is negative (${v})`);
  }
  const h = bars.high[i]!, l = bars.low[i]!, o = bars.open[i]!, c = bars.close[i]!;
  if (h < l) throw new BarValidationError(i, 'high', `${h} is below low ${l}`);
  if (h < Math.max(o, c)) throw new BarValidationError(i, 'high', `${h} is below max(open, close) ${Math.max(o, c)}`);
  if (l > Math.min(o, c)) throw new BarValidationError(i, 'low', `${l} is above min(open, close) ${Math.min(o, c)}`);
  const t = bars.timestamp[i]!;
  if (t === prev) throw new BarValidationError(i, 'timestamp', `duplicates the previous timestamp ${t}`);
  throw new BarValidationError(i, 'timestamp', `${t} is earlier than the previous timestamp ${prev} (unsorted)`);
}
