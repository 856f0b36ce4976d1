// The growable columns a streaming analyzer keeps its bars and MACD values in, and their row-major
// copy for a saved state.
import { prefault, PREFAULT_ROWS } from '../core/prefault.js';

/** Growable Float64Array columns. */
export class Columns {
  count = 0;
  cols: Float64Array[];
  /** Rows below this have been written in every column (see prefault.ts; only grown columns are). */
  private touched: number;
  constructor(width: number, capacity = 1024) {
    this.cols = Array.from({ length: width }, () => new Float64Array(capacity));
    this.touched = capacity;
  }
  row(i: number, values: readonly number[]): void {
    this.reserve(i);
    for (let j = 0; j < values.length; j++) this.cols[j]![i] = values[j]!;
  }
  /** Room for row i (the first unused one). */
  reserve(i: number): void {
    if (i >= this.cols[0]!.length) {
      this.touched = this.cols[0]!.length;
      this.cols = this.cols.map((c) => {
        const d = new Float64Array(c.length * 2);
        d.set(c);
        return d;
      });
    }
    if (i >= this.touched) this.touched = prefault(this.cols, i, Math.min(this.cols[0]!.length, i + PREFAULT_ROWS));
  }
  get capacity(): number {
    return this.cols[0]!.length;
  }
  view(j: number): Float64Array {
    return this.cols[j]!.subarray(0, this.count);
  }
  dropBefore(k: number): void {
    for (const c of this.cols) c.copyWithin(0, k, this.count);
    this.count -= k;
  }
}

/** Row-major copy of the first n rows of columns. */
export function interleave(cols: Float64Array[], n: number): Float64Array {
  const w = cols.length;
  const out = new Float64Array(w * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) out[i * w + j] = cols[j]![i]!;
  return out;
}
